package core

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// Fields lists every field core's code names, so that the adapters' tests,
// which range over it, catch a new field that a dialect's table does not map:
// each Field constant, each `name` tag of a validated struct, and each field
// written as text where a check takes one.
func TestFieldsListsEveryField(t *testing.T) {
	listed := map[Field]bool{}
	for _, f := range Fields {
		if listed[f] {
			t.Errorf("Fields lists %q twice", f)
		}
		listed[f] = true
	}
	// The checks that take the field at fault, and which argument it is.
	fieldArg := map[string]int{"Invalidf": 0, "CheckDate": 0, "CheckTime": 0, "checkIDs": 0, "containsPattern": 0, "checkPage": 3}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		check := func(at token.Pos, lit ast.Expr) {
			if bl, ok := lit.(*ast.BasicLit); ok && bl.Kind == token.STRING {
				f, _ := strconv.Unquote(bl.Value)
				if !listed[Field(f)] {
					t.Errorf("%s: field %q is not in Fields", fset.Position(at), f)
				}
			}
		}
		ast.Inspect(file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.ValueSpec:
				if typ, ok := n.Type.(*ast.Ident); ok && typ.Name == "Field" {
					for _, v := range n.Values {
						check(n.Pos(), v)
					}
				}
			case *ast.Field:
				if n.Tag != nil {
					tag, _ := strconv.Unquote(n.Tag.Value)
					if f, ok := reflect.StructTag(tag).Lookup("name"); ok && !listed[Field(f)] {
						t.Errorf("%s: name tag %q is not in Fields", fset.Position(n.Pos()), f)
					}
				}
			case *ast.CallExpr:
				if fn, ok := n.Fun.(*ast.Ident); ok {
					if i, takes := fieldArg[fn.Name]; takes && i < len(n.Args) {
						check(n.Pos(), n.Args[i])
					}
				}
			}
			return true
		})
	}
}

// Worded respells the fields a message names, and only those.
func TestWordedRespellsFields(t *testing.T) {
	e := Invalidf(FieldEndDate, "%s %s is before %s (%s)", FieldEndDate, "2015-01-01", FieldStartDate, "end_date")
	if e.Message != "end_date 2015-01-01 is before start_date (end_date)" {
		t.Errorf("Message %q", e.Message)
	}
	got := e.Worded(func(f Field) string { return strings.ToUpper(string(f)) })
	if got != "END_DATE 2015-01-01 is before START_DATE (end_date)" {
		t.Errorf("Worded %q", got)
	}
	if e := (&Error{Code: EINTERNAL, Message: "as it is"}); e.Worded(nil) != "as it is" {
		t.Errorf("an Error made without a format: %q", e.Worded(nil))
	}
}
