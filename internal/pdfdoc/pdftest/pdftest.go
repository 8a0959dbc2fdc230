// Package pdftest reads back the PDFs the platform writes, for tests.
package pdftest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Text extracts a PDF's text with poppler's pdftotext (Debian's
// poppler-utils, which CI installs).
func Text(t testing.TB, pdf []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-raw", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext (CI installs poppler-utils): %v", err)
	}
	return string(out)
}

// Squeezed is Text without white space, which pdftotext places as it sees
// fit.
func Squeezed(t testing.TB, pdf []byte) string {
	t.Helper()
	return strings.Join(strings.Fields(Text(t, pdf)), "")
}
