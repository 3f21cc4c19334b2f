//go:build tools

// Package tools pins vegeta so that `go build github.com/tsenart/vegeta/v12` uses go.sum.
package tools

import _ "github.com/tsenart/vegeta/v12"
