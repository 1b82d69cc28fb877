// Package cli holds what Sluice's client commands share: output as aligned
// tables for people or JSON for scripts, `key=value` argument parsing, and a
// franz-go client that fails fast (one line, no retry storm) when no broker
// answers.
package cli
