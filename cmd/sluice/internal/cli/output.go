package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Printer writes command results either as aligned tables (for people) or
// as JSON (for scripts). The zero value is not usable; set Out.
type Printer struct {
	Out  io.Writer
	JSON bool
}

// Table prints headers and rows aligned in columns. Column headers are
// printed in upper case, as kubectl and rpk do.
func (p *Printer) Table(headers []string, rows [][]string) error {
	tw := tabwriter.NewWriter(p.Out, 0, 0, 2, ' ', 0)
	for i, h := range headers {
		if i > 0 {
			fmt.Fprint(tw, "\t")
		}
		fmt.Fprint(tw, strings.ToUpper(h))
	}
	fmt.Fprintln(tw)
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

// Section prints a title line followed by a table, with a blank line before
// it unless first is true.
func (p *Printer) Section(first bool, title string, headers []string, rows [][]string) error {
	if !first {
		fmt.Fprintln(p.Out)
	}
	fmt.Fprintln(p.Out, title)
	return p.Table(headers, rows)
}

// KV prints "key: value" lines aligned on the colon.
func (p *Printer) KV(pairs [][2]string) error {
	tw := tabwriter.NewWriter(p.Out, 0, 0, 1, ' ', 0)
	for _, kv := range pairs {
		fmt.Fprintf(tw, "%s:\t%s\n", kv[0], kv[1])
	}
	return tw.Flush()
}

// Encode writes v as one line of JSON.
func (p *Printer) Encode(v any) error {
	enc := json.NewEncoder(p.Out)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
