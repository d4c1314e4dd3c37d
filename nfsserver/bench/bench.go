package bench

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"time"
)

// Target is a server to measure: its NFS and MOUNT addresses (host:port;
// the same for nfsmail, separate for ganesha) and the export path.
type Target struct {
	Name   string
	NFS    string
	Mount  string
	Export string
}

// Config sizes a run.
type Config struct {
	// Messages is how many mail deliveries to time (0 = 2000).
	Messages int
	// Mailbox is how many messages stay in the mailbox directory, which is
	// listed after every delivery (0 = 100).
	Mailbox int
	// ListEntries is the size of the directory whose listing is timed
	// (0 = 10000); ListRepeats how often it is listed (0 = 20).
	ListEntries int
	ListRepeats int
}

func (c *Config) defaults() {
	if c.Messages == 0 {
		c.Messages = 2000
	}
	if c.Mailbox == 0 {
		c.Mailbox = 100
	}
	if c.ListEntries == 0 {
		c.ListEntries = 10000
	}
	if c.ListRepeats == 0 {
		c.ListRepeats = 20
	}
}

// Result is one target's figures. Its JSON form only ever gains fields.
type Result struct {
	Target          string  `json:"target"`
	Messages        int     `json:"messages"`
	MailSeconds     float64 `json:"mail_seconds"`
	MailOpsPerSec   float64 `json:"mail_ops_per_sec"`
	MailRPCsPerOp   float64 `json:"mail_rpcs_per_op"`
	ListEntries     int     `json:"list_entries"`
	ListBestMillis  float64 `json:"list_best_ms"`
	ListMedianMilli float64 `json:"list_median_ms"`
	ListsPerSec     float64 `json:"lists_per_sec"`
}

// Run measures t: first the mail workload, then the large listing.
func Run(ctx context.Context, t Target, cfg Config) (Result, error) {
	cfg.defaults()
	root, err := mount(t.Mount, t.Export)
	if err != nil {
		return Result{}, err
	}
	c, err := dial(t.NFS)
	if err != nil {
		return Result{}, err
	}
	defer c.close()
	base, err := c.workDir(root)
	if err != nil {
		return Result{}, err
	}
	res := Result{Target: t.Name, Messages: cfg.Messages, ListEntries: cfg.ListEntries}
	if err := c.mail(ctx, base, cfg, &res); err != nil {
		return res, fmt.Errorf("%s: mail workload: %w", t.Name, err)
	}
	if err := c.bigList(ctx, base, cfg, &res); err != nil {
		return res, fmt.Errorf("%s: listing: %w", t.Name, err)
	}
	return res, nil
}

// workDir makes a fresh directory bench.N under root.
func (c *client) workDir(root []byte) ([]byte, error) {
	for i := 1; ; i++ {
		fh, err := c.mkdir(root, fmt.Sprintf("bench.%d", i))
		if !errors.Is(err, fs.ErrExist) || i > 1000 {
			return fh, err
		}
	}
}

// mail delivers cfg.Messages messages Maildir-style.
func (c *client) mail(ctx context.Context, base []byte, cfg Config, res *Result) error {
	tmp, err := c.mkdir(base, "tmp")
	if err != nil {
		return err
	}
	newDir, err := c.mkdir(base, "new")
	if err != nil {
		return err
	}
	body := make([]byte, 4096)
	for i := range body {
		body[i] = byte('a' + i%26)
	}
	calls0, start := c.calls, time.Now()
	for i := 0; i < cfg.Messages; i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := c.deliver(tmp, newDir, i, body, cfg.Mailbox); err != nil {
			return fmt.Errorf("message %d: %w", i, err)
		}
	}
	el := time.Since(start)
	res.MailSeconds = el.Seconds()
	res.MailOpsPerSec = float64(cfg.Messages) / el.Seconds()
	res.MailRPCsPerOp = float64(c.calls-calls0) / float64(cfg.Messages)
	return nil
}

// deliver is one message: create, write 4 KiB, commit, rename into new/,
// list new/, read back, and expire the oldest message.
func (c *client) deliver(tmp, newDir []byte, i int, body []byte, keep int) error {
	name := fmt.Sprintf("%08d.M%dP1.bench", i, i)
	fh, err := c.create(tmp, name)
	if err != nil {
		return err
	}
	if err := c.write(fh, body); err != nil {
		return err
	}
	if err := c.commit(fh); err != nil {
		return err
	}
	if err := c.rename(tmp, name, newDir, name); err != nil {
		return err
	}
	if _, err := c.list(newDir); err != nil {
		return err
	}
	if n, err := c.read(fh, uint32(len(body))); err != nil || n != len(body) {
		return fmt.Errorf("read back %d bytes: %v", n, err)
	}
	if i >= keep {
		return c.remove(newDir, fmt.Sprintf("%08d.M%dP1.bench", i-keep, i-keep))
	}
	return nil
}

// bigList fills a directory with cfg.ListEntries files and times listing
// it.
func (c *client) bigList(ctx context.Context, base []byte, cfg Config, res *Result) error {
	dir, err := c.mkdir(base, "big")
	if err != nil {
		return err
	}
	for i := 0; i < cfg.ListEntries; i++ {
		if _, err := c.create(dir, fmt.Sprintf("%08d.M%dP1.big", i, i)); err != nil {
			return err
		}
	}
	var times []float64
	total := time.Duration(0)
	for r := 0; r < cfg.ListRepeats; r++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		start := time.Now()
		n, err := c.list(dir)
		el := time.Since(start)
		if err != nil {
			return err
		}
		if n != cfg.ListEntries {
			return fmt.Errorf("listed %d entries, want %d", n, cfg.ListEntries)
		}
		total += el
		times = append(times, float64(el.Microseconds())/1000)
	}
	slices.Sort(times)
	res.ListBestMillis = times[0]
	res.ListMedianMilli = times[len(times)/2]
	res.ListsPerSec = float64(cfg.ListRepeats) / total.Seconds()
	return nil
}
