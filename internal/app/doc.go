// Package app wires the platform together: configuration, the store, the
// bus, the domain services and the HTTP server, and the command-line
// subcommands that cmd/govshare dispatches to through Run.
package app
