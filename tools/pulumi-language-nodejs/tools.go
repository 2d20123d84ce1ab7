//go:build tools

// Package tools records the main package built from this wrapper so `go mod tidy` keeps it.
//
// The language host is taken from sdk/v3 v3.68.0, the last release where it lived inside the
// sdk/v3 module: its standalone module (sdk/nodejs/cmd/pulumi-language-nodejs/v3) is not served
// by the Go module proxy this project can reach. See go.mod.
package tools

import (
	_ "github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs"
)
