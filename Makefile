.PHONY: run test build vendor
run:
	go run ./cmd/govshare serve --demo
test:
	go test ./...
build:
	CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o govshare ./cmd/govshare
vendor:
	tools/vendor/update.sh
