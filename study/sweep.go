package study

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"

	"github.com/nfsmail/nfsmail/scenarios"
)

// Options control a sweep.
type Options struct {
	// Workers is how many runs go at once (0 = runtime.GOMAXPROCS).
	Workers int
	// Progress, if set, is called after each finished run with the number
	// of runs done and to do in this sweep (jobs already in the file are
	// not counted). It is called from one goroutine at a time.
	Progress func(done, total int)
}

// Stats says what a sweep did.
type Stats struct {
	Jobs    int // jobs given
	Skipped int // already in the results file
	Ran     int // run and written now
	Failed  int // harness errors (not written)
}

// Sweep runs the jobs that the results file at path does not hold yet and
// appends a record for each as it finishes. A last line cut short by an
// earlier interruption is removed first. When ctx is cancelled, Sweep
// starts no more runs, writes those under way, and returns ctx's error.
func Sweep(ctx context.Context, path string, jobs []Job, opts Options) (Stats, error) {
	st := Stats{Jobs: len(jobs)}
	f, done, err := openResults(path)
	if err != nil {
		return st, err
	}
	defer f.Close()
	var todo []Job
	for _, j := range jobs {
		if done[j.Key()] {
			st.Skipped++
		} else {
			todo = append(todo, j)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var werr error
	err = Run(ctx, todo, opts, func(r Record) {
		if werr != nil {
			return
		}
		if _, werr = f.Write(r.Marshal()); werr != nil {
			cancel()
			return
		}
		st.Ran++
	})
	var harness *HarnessErrors
	if errors.As(err, &harness) {
		st.Failed = len(harness.Errs)
	}
	if werr != nil {
		return st, fmt.Errorf("study: write %s: %w", path, werr)
	}
	if cerr := f.Close(); cerr != nil && err == nil {
		err = cerr
	}
	return st, err
}

// openResults opens (or creates) a results file for appending and returns
// the keys it already holds, after cutting off a partial last line.
func openResults(path string) (*os.File, map[Key]bool, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, nil, fmt.Errorf("study: %w", err)
	}
	recs, good, err := read(f, path, true)
	if err == nil {
		err = f.Truncate(good)
	}
	if err == nil {
		_, err = f.Seek(good, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("study: resume: %w", err)
	}
	done := make(map[Key]bool, len(recs))
	for _, r := range recs {
		done[r.Key()] = true
	}
	return f, done, nil
}

// HarnessErrors are the runs that failed with a harness error.
type HarnessErrors struct{ Errs []error }

func (e *HarnessErrors) Error() string {
	return fmt.Sprintf("%d runs failed with a harness error: %v", len(e.Errs), errors.Join(e.Errs...))
}

func (e *HarnessErrors) Unwrap() []error { return e.Errs }

// Run runs jobs on a pool of Options.Workers goroutines and calls emit
// with each record as its run finishes, from one goroutine at a time, in
// completion order. Harness errors do not stop the others; they come back
// as a *HarnessErrors. When ctx is cancelled, Run starts no more jobs,
// emits those under way and returns ctx's error.
func Run(ctx context.Context, jobs []Job, opts Options, emit func(Record)) error {
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	type outcome struct {
		job Job
		rec Record
		err error
	}
	feed := make(chan Job)
	results := make(chan outcome)
	var wg sync.WaitGroup
	for range min(workers, max(len(jobs), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range feed {
				res, err := scenarios.Run(j.Variant.Scenario, scenarios.Options{Seed: j.Seed, TraceLimit: 1})
				o := outcome{job: j, err: err}
				if err == nil {
					o.rec = NewRecord(j.Variant, res)
				}
				results <- o
			}
		}()
	}
	go func() {
		defer close(feed)
		for _, j := range jobs {
			if ctx.Err() != nil {
				return
			}
			select {
			case feed <- j:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()
	var errs []error
	n := 0
	for o := range results {
		n++
		if o.err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", o.job.Key(), o.err))
		} else {
			emit(o.rec)
		}
		if opts.Progress != nil {
			opts.Progress(n, len(jobs))
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(errs) > 0 {
		return &HarnessErrors{Errs: errs}
	}
	return nil
}
