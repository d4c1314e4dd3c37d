package realdovecot

import (
	"html/template"
	"io"
)

// fidelityPage is the self-contained HTML form of the fidelity table.
var fidelityPage = template.Must(template.New("fidelity").Funcs(template.FuncMap{
	"dist": Distribution,
	"pacenote": func(rows []*Fidelity) string {
		if paced(rows) {
			return PaceNote
		}
		return ""
	},
	"mount": func(m string) string {
		if m == "" {
			return "defaults"
		}
		return m
	},
}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>nfsmail fidelity</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .5em;vertical-align:top}
th{background:#f0f0f0;text-align:left}td.n{text-align:right}ul{margin:0;padding-left:1.2em}
</style></head><body>
<h1>Simulation vs real Dovecot</h1>
<p>Each scenario ran in the simulation and on real Dovecot 2.3 over FUSE views of the same
simulated NFS. The real tier runs in wall-clock time and is not deterministic.{{with index . 0}}
{{.Note}}. Workloads compressed into {{printf "%.0f" .WorkloadSeconds}} s.{{end}} {{pacenote .}}</p>
<table><tr><th>scenario</th><th>format</th><th>mount</th><th>runs</th><th>simulated</th><th>at ms/RPC</th><th>real Dovecot</th>
<th>RPCs/delivery sim</th><th>real</th><th>where and why they differ</th></tr>
{{range .}}<tr><td>{{.Scenario}}</td><td>{{.Format}}</td><td>{{mount .Mount}}</td><td class="n">{{.Runs}}</td>
<td>{{dist .Sim}}</td><td class="n">{{printf "%.2f" .PaceMs}}</td><td>{{dist .Real}}</td>
<td class="n">{{printf "%.1f" .SimRPCsPerDelivery}}</td><td class="n">{{printf "%.1f" .RealRPCsPerDelivery}}</td>
<td><ul>{{range .Differ}}<li>{{.}}</li>{{end}}</ul></td></tr>
{{end}}</table></body></html>
`))

// WriteFidelityHTML writes the fidelity rows as one self-contained HTML
// page (no external assets).
func WriteFidelityHTML(w io.Writer, rows []*Fidelity) error {
	if len(rows) == 0 {
		_, err := io.WriteString(w, "<!DOCTYPE html><p>no scenarios</p>\n")
		return err
	}
	return fidelityPage.Execute(w, rows)
}
