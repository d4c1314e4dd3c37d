package reports

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
)

//go:embed report.html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"rate":         rate,
	"first":        firstCorruption,
	"findings":     findings,
	"disagreement": Disagreement,
	"count": func(v Variant, verdict string) int {
		for _, x := range verdictOrder {
			if string(x) == verdict {
				return v.Verdicts[x]
			}
		}
		return 0
	},
	"inc":   func(i int) int { return i + 1 },
	"fixed": func(prec int, x float64) string { return fmt.Sprintf("%.*f", prec, x) },
}).Parse(htmlSource))

// WriteHTML writes the report as one self-contained HTML file: a table of
// the variants, the replay commands of those that disagree, the charts as
// inline SVG, and the report's JSON. It loads nothing from elsewhere.
func (r Report) WriteHTML(w io.Writer) error {
	charts, err := r.Charts()
	if err != nil {
		return err
	}
	var js bytes.Buffer
	if err := r.WriteJSON(&js); err != nil {
		return err
	}
	type chart struct {
		Title string
		SVG   template.HTML
	}
	data := struct {
		Report
		Disagree []Variant
		Charts   []chart
		JSON     string
	}{Report: r, Disagree: r.Disagreeing(), JSON: js.String()}
	for _, c := range charts {
		// The SVG is gonum/plot's own output, from our data with text escaped.
		data.Charts = append(data.Charts, chart{Title: c.Title, SVG: template.HTML(c.SVG)})
	}
	return htmlTemplate.Execute(w, data)
}
