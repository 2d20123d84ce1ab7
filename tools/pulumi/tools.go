//go:build tools

// Package tools records the main packages built from this wrapper so `go mod tidy` keeps them.
package tools

import (
	_ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
)
