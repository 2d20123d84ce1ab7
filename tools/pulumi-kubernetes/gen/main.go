// Command gen writes schema-embed.json and terraform-mapping-embed.json for the provider wrapper,
// doing what upstream's cmd/pulumi-resource-kubernetes/generate.go does: stamp the version into
// the committed schema.json and compact both files.
//
// Usage: go run ./gen <dir containing schema.json and terraform-mapping.json> <version> <out dir>
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

func compact(in string, version string) ([]byte, error) {
	raw, err := os.ReadFile(in)
	if err != nil {
		return nil, err
	}
	if version == "" {
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("%s: %w", in, err)
		}
		return json.Marshal(v)
	}
	var spec map[string]json.RawMessage
	if err := json.Unmarshal(raw, &spec); err != nil {
		return nil, fmt.Errorf("%s: %w", in, err)
	}
	v, err := json.Marshal(version)
	if err != nil {
		return nil, err
	}
	spec["version"] = v
	return json.Marshal(spec)
}

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: gen <src dir> <version> <out dir>")
		os.Exit(2)
	}
	src, version, out := os.Args[1], os.Args[2], os.Args[3]
	for _, f := range []struct{ in, out, version string }{
		{"schema.json", "schema-embed.json", version},
		{"terraform-mapping.json", "terraform-mapping-embed.json", ""},
	} {
		data, err := compact(filepath.Join(src, f.in), f.version)
		if err == nil {
			err = os.WriteFile(filepath.Join(out, f.out), data, 0o644)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
	}
}
