//go:build tools

// Package tools records the main package built from this wrapper so `go mod tidy` keeps it.
package tools

import (
	_ "go.etcd.io/etcd/server/v3"
)
