package reports

import (
	"bytes"
	"fmt"
	"image/color"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Chart is one rendered chart.
type Chart struct {
	Title string
	SVG   string // an <svg> element, without an XML prologue
}

var (
	blue = color.RGBA{R: 0x1f, G: 0x5f, B: 0xa8, A: 0xff}
	red  = color.RGBA{R: 0xc0, G: 0x39, B: 0x2b, A: 0xff}
)

// Charts renders the report's charts: corruption rate with its confidence
// interval, time to first corruption, RPCs per operation, and cost against
// safety. A chart with nothing to show is left out.
func (r Report) Charts() ([]Chart, error) {
	if len(r.Variants) == 0 {
		return nil, nil
	}
	var out []Chart
	for _, c := range []struct {
		title string
		plot  func(Report) (*plot.Plot, int, error)
	}{
		{"Corruption rate per variant (95% Wilson interval)", rateChart},
		{"Virtual time to first corruption (corrupted runs)", firstCorruptionChart},
		{"NFS RPCs per mail operation", rpcChart},
		{"Virtual latency per mail operation", latencyChart},
		{"Cost against safety (points numbered as in the table)", tradeoffChart},
	} {
		p, rows, err := c.plot(r)
		if err != nil {
			return nil, fmt.Errorf("reports: chart %q: %w", c.title, err)
		}
		if p == nil {
			continue
		}
		svg, err := render(p, rows)
		if err != nil {
			return nil, fmt.Errorf("reports: chart %q: %w", c.title, err)
		}
		out = append(out, Chart{Title: c.title, SVG: svg})
	}
	return out, nil
}

// render draws p as SVG, tall enough for rows labelled rows.
func render(p *plot.Plot, rows int) (string, error) {
	h := max(3*vg.Inch, vg.Length(rows)*0.32*vg.Inch+1.2*vg.Inch)
	c := vgsvg.New(7.5*vg.Inch, h)
	p.Draw(draw.New(c))
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return "", err
	}
	s := b.String()
	return s[strings.Index(s, "<svg"):], nil
}

func newPlot(title, xlabel string) *plot.Plot {
	p := plot.New()
	sans := func(f *font.Font, size vg.Length) {
		*f = font.Font{Typeface: "Liberation", Variant: "Sans", Size: size}
	}
	p.Title.Text = title
	sans(&p.Title.TextStyle.Font, 12)
	p.X.Label.Text = xlabel
	sans(&p.X.Label.TextStyle.Font, 10)
	sans(&p.Y.Label.TextStyle.Font, 10)
	sans(&p.X.Tick.Label.Font, 9)
	sans(&p.Y.Tick.Label.Font, 9)
	p.Add(plotter.NewGrid())
	return p
}

func names(vs []Variant) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.Variant
	}
	return out
}

// rows lists variants top to bottom (gonum's Y axis grows upwards).
func rows(vs []Variant) []Variant {
	out := make([]Variant, len(vs))
	for i, v := range vs {
		out[len(vs)-1-i] = v
	}
	return out
}

// ciPoints are corruption rates with their Wilson intervals, in percent.
type ciPoints []Variant

func (c ciPoints) Len() int                    { return len(c) }
func (c ciPoints) XY(i int) (float64, float64) { return 100 * c[i].CorruptionRate, float64(i) }
func (c ciPoints) XError(i int) (float64, float64) {
	x := 100 * c[i].CorruptionRate
	return x - 100*c[i].CorruptionCI.Low, 100*c[i].CorruptionCI.High - x
}

func rateChart(r Report) (*plot.Plot, int, error) {
	vs := rows(r.Variants)
	p := newPlot("", "CORRUPTED runs, % (bars: 95% Wilson interval)")
	p.X.Min, p.X.Max = 0, 100
	bars, err := plotter.NewXErrorBars(ciPoints(vs))
	if err != nil {
		return nil, 0, err
	}
	bars.Color = blue
	pts, err := plotter.NewScatter(ciPoints(vs))
	if err != nil {
		return nil, 0, err
	}
	pts.Color, pts.Shape, pts.Radius = red, draw.CircleGlyph{}, 3
	p.Add(bars, pts)
	p.NominalY(names(vs)...)
	return p, len(vs), nil
}

func firstCorruptionChart(r Report) (*plot.Plot, int, error) {
	var vs []Variant
	for _, v := range rows(r.Variants) {
		if len(v.firstCorruption) > 0 {
			vs = append(vs, v)
		}
	}
	if len(vs) == 0 {
		return nil, 0, nil
	}
	p := newPlot("", "virtual seconds until the first damage was revealed")
	p.X.Min = 0
	for _, v := range vs {
		p.X.Max = max(p.X.Max, 1.05*v.firstCorruption[len(v.firstCorruption)-1])
	}
	for i, v := range vs {
		box, err := plotter.NewBoxPlot(0.18*vg.Inch, float64(i), plotter.Values(v.firstCorruption))
		if err != nil {
			return nil, 0, err
		}
		box.Horizontal = true
		box.FillColor = color.RGBA{R: 0xf4, G: 0xc7, B: 0xc3, A: 0xff}
		p.Add(box)
	}
	p.NominalY(names(vs)...)
	return p, len(vs), nil
}

func rpcChart(r Report) (*plot.Plot, int, error) {
	return barChart(r, "NFS RPCs per completed mail operation", func(v Variant) float64 { return v.RPCsPerOp })
}

// latencyChart is the virtual time a mail operation took, think time
// excluded: what slow storage, lock waits and grace periods add.
func latencyChart(r Report) (*plot.Plot, int, error) {
	return barChart(r, "virtual ms per mail operation (think time excluded)", func(v Variant) float64 { return v.LatencyMsPerOp })
}

// barChart draws one horizontal bar per variant.
func barChart(r Report, xlabel string, value func(Variant) float64) (*plot.Plot, int, error) {
	vs := rows(r.Variants)
	vals := make(plotter.Values, len(vs))
	for i, v := range vs {
		vals[i] = value(v)
	}
	p := newPlot("", xlabel)
	p.X.Min = 0
	bars, err := plotter.NewBarChart(vals, 0.2*vg.Inch)
	if err != nil {
		return nil, 0, err
	}
	bars.Horizontal = true
	bars.Color = blue
	bars.LineStyle.Width = 0
	p.Add(bars)
	p.NominalY(names(vs)...)
	return p, len(vs), nil
}

// tradeoff is one point per variant, RPCs per op against corruption
// rate, labelled with the variant's number in the report's table (names
// would overlap).
type tradeoff []Variant

func (t tradeoff) Len() int { return len(t) }
func (t tradeoff) XY(i int) (float64, float64) {
	return t[i].RPCsPerOp, 100 * t[i].CorruptionRate
}
func (t tradeoff) Label(i int) string { return fmt.Sprint(i + 1) }

func tradeoffChart(r Report) (*plot.Plot, int, error) {
	if len(r.Variants) < 2 {
		return nil, 0, nil
	}
	p := newPlot("", "NFS RPCs per mail operation (cost)")
	p.Y.Label.Text = "CORRUPTED runs, %"
	p.X.Min, p.Y.Min, p.Y.Max = 0, 0, 100
	pts, err := plotter.NewScatter(tradeoff(r.Variants))
	if err != nil {
		return nil, 0, err
	}
	pts.Color, pts.Shape, pts.Radius = red, draw.CircleGlyph{}, 3
	labels, err := plotter.NewLabels(tradeoff(r.Variants))
	if err != nil {
		return nil, 0, err
	}
	for i := range labels.TextStyle {
		labels.TextStyle[i].Font = font.Font{Typeface: "Liberation", Variant: "Sans", Size: 9}
	}
	labels.Offset = vg.Point{X: 4, Y: 4}
	p.Add(pts, labels)
	return p, 8, nil
}
