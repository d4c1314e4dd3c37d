// Package reports turns a study's results (study.Record lines) into a
// Report — per variant: runs, verdict counts, corruption rate with its
// Wilson 95% interval, whether the runs bear out the expected verdict,
// time to first corruption, NFS RPCs and virtual time per mail operation —
// and renders it as versioned JSON, a Markdown table, JUnit XML (one test
// case per variant) or one self-contained HTML file whose charts are drawn
// with gonum.org/v1/plot and embedded as inline SVG.
//
// # Usage
//
//	recs, err := study.Merge("results.jsonl")
//	rep := reports.Build(recs)
//	err = rep.WriteMarkdown(os.Stdout)
//
// # Determinism
//
// Build sorts its input, so a report depends only on the set of records:
// the same results give the same bytes in every format.
//
// # Versions
//
// Report.SchemaVersion (SchemaVersion) changes only when a JSON field
// changes meaning or goes away; fields are only ever added otherwise.
package reports
