package strictjson

import (
	"reflect"
	"strings"
	"sync"
)

type fieldSet struct {
	exact  map[string]reflect.Type
	folded map[string]string // lower-case name → exact name
}

var fieldCache sync.Map // reflect.Type → fieldSet

// structFields returns the JSON names encoding/json decodes into t (embedded structs
// included) and, by lower-case name, the exact one.
func structFields(t reflect.Type) (map[string]reflect.Type, map[string]string) {
	if fs, ok := fieldCache.Load(t); ok {
		return fs.(fieldSet).exact, fs.(fieldSet).folded
	}
	fs := fieldSet{exact: map[string]reflect.Type{}, folded: map[string]string{}}
	collect(t, fs, map[reflect.Type]bool{})
	fieldCache.Store(t, fs)
	return fs.exact, fs.folded
}

func collect(t reflect.Type, fs fieldSet, seen map[reflect.Type]bool) {
	if seen[t] {
		return
	}
	seen[t] = true
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			if et := deref(f.Type); et.Kind() == reflect.Struct {
				collect(et, fs, seen)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if _, dup := fs.exact[name]; !dup {
			fs.exact[name] = f.Type
			fs.folded[strings.ToLower(name)] = name
		}
	}
}
