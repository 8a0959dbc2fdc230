package errs

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// Every message a client may read is keyed: E, Field and Fields.Add are
// gone, and Wrap, which words its message in English, is left only for
// Internal errors, whose message is never shown. This test names the
// file:line of any Wrap with another code in non-test code under internal/.
func TestOnlyInternalErrorsAreUnkeyed(t *testing.T) {
	fset := token.NewFileSet()
	var bad []string
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) < 2 {
				return true
			}
			if fn, ok := call.Fun.(*ast.SelectorExpr); !ok || fn.Sel.Name != "Wrap" || !isIdent(fn.X, "errs") {
				return true
			}
			if code, ok := call.Args[1].(*ast.SelectorExpr); !ok || code.Sel.Name != "Internal" || !isIdent(code.X, "errs") {
				bad = append(bad, fset.Position(call.Pos()).String())
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bad {
		t.Errorf("%s: errs.Wrap with a code a client reads: use WrapMsg with a defined message", b)
	}
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}
