package api

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humachi"
	"github.com/go-chi/chi/v5"
)

// TestSlowUpload sends a body that takes longer to arrive than the server's
// read timeout: an operation with slowUpload takes it, one without does not.
func TestSlowUpload(t *testing.T) {
	r := chi.NewMux()
	a := humachi.New(r, huma.DefaultConfig("test", "1"))
	for _, slow := range []bool{true, false} {
		o := huma.Operation{Method: http.MethodPost, Path: map[bool]string{true: "/slow", false: "/fast"}[slow]}
		if slow {
			slowUpload(&o, time.Minute)
		}
		huma.Register(a, o, func(_ context.Context, in *struct {
			RawBody []byte `contentType:"text/plain"`
		}) (*struct{ Body string }, error) {
			return &struct{ Body string }{strings.ToUpper(string(in.RawBody))}, nil
		})
	}
	srv := httptest.NewUnstartedServer(r)
	srv.Config.ReadTimeout = 500 * time.Millisecond
	srv.Start()
	defer srv.Close()
	for _, tt := range []struct {
		path string
		ok   bool
	}{{"/slow", true}, {"/fast", false}} {
		t.Run(tt.path, func(t *testing.T) {
			conn, err := net.Dial("tcp", srv.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			io.WriteString(conn, "POST "+tt.path+" HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 6\r\nConnection: close\r\n\r\nabc")
			time.Sleep(1200 * time.Millisecond) // past the read timeout
			io.WriteString(conn, "def")
			conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			got, _ := io.ReadAll(conn)
			if ok := strings.Contains(string(got), "200 OK") && strings.Contains(string(got), "ABCDEF"); ok != tt.ok {
				t.Errorf("answer %q: took the slow body = %v, want %v", got, ok, tt.ok)
			}
		})
	}
}
