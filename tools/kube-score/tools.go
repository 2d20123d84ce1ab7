//go:build tools

// Package tools records the main package built from this wrapper so `go mod tidy` keeps it.
package tools

import (
	_ "github.com/zegl/kube-score/cmd/kube-score"
)
