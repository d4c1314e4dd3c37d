package assess

import (
	"bufio"
	"bytes"
	"fmt"
	"slices"
	"strings"
)

// Config is what a doveconf -n output says about storage and clustering.
type Config struct {
	// Settings are the top-level key = value lines, by key.
	Settings map[string]Setting
	// Blocks are the names of nested sections ("protocol lda",
	// "service quota-status", "namespace inbox").
	Blocks []string
	// Block holds the key = value lines inside each block, by block name.
	Block map[string]map[string]Setting
}

// Setting is one key = value line.
type Setting struct {
	Value string
	Line  int
}

// ParseDoveconf parses doveconf -n output (or a dovecot.conf without
// includes). name labels errors ("name:LINE: ..."). Comments and blank
// lines are skipped; an unbalanced brace or a line that is neither a
// setting nor a section is an error.
func ParseDoveconf(name string, data []byte) (*Config, error) {
	c := &Config{Settings: map[string]Setting{}, Block: map[string]map[string]Setting{}}
	var stack []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if i := strings.Index(line, "#"); i >= 0 && !strings.Contains(line[:i], "=") {
			line = strings.TrimSpace(line[:i])
		}
		switch {
		case line == "":
		case line == "}":
			if len(stack) == 0 {
				return nil, fmt.Errorf("%s:%d: '}' without an open section", name, n)
			}
			stack = stack[:len(stack)-1]
		case strings.HasSuffix(line, "{"):
			block := strings.Join(strings.Fields(strings.TrimSuffix(line, "{")), " ")
			if block == "" {
				return nil, fmt.Errorf("%s:%d: section without a name", name, n)
			}
			full := strings.Join(append(slices.Clone(stack), block), " / ")
			stack = append(stack, block)
			c.Blocks = append(c.Blocks, full)
		case strings.Contains(line, "="):
			k, v, _ := strings.Cut(line, "=")
			k, v = strings.TrimSpace(k), strings.TrimSpace(v)
			if k == "" || strings.ContainsAny(k, " \t") {
				return nil, fmt.Errorf("%s:%d: %q is not a setting", name, n, line)
			}
			c.set(stack, k, Setting{Value: v, Line: n})
		case strings.HasPrefix(line, "!include"):
			return nil, fmt.Errorf("%s:%d: %s: run `doveconf -n` and give its output instead", name, n, line)
		default:
			return nil, fmt.Errorf("%s:%d: %q is neither a setting nor a section", name, n, line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(stack) > 0 {
		return nil, fmt.Errorf("%s: section %q is not closed", name, stack[len(stack)-1])
	}
	return c, nil
}

func (c *Config) set(stack []string, k string, s Setting) {
	if len(stack) == 0 {
		c.Settings[k] = s
		return
	}
	b := strings.Join(stack, " / ")
	if c.Block[b] == nil {
		c.Block[b] = map[string]Setting{}
	}
	c.Block[b][k] = s
}

// Get returns a top-level setting's value, or def.
func (c *Config) Get(key, def string) string {
	if s, ok := c.Settings[key]; ok {
		return s.Value
	}
	return def
}

// HasBlock reports whether a section whose name starts with prefix exists.
func (c *Config) HasBlock(prefix string) bool {
	for _, b := range c.Blocks {
		if strings.HasPrefix(b, prefix) {
			return true
		}
	}
	return false
}
