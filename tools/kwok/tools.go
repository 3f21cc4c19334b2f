//go:build tools

// Package tools pins kwok so that `go build sigs.k8s.io/kwok/cmd/kwok` uses go.sum.
package tools

import _ "sigs.k8s.io/kwok/cmd/kwok"
