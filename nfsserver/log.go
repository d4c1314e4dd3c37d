package nfsserver

import (
	"sync"

	nfs "github.com/willscott/go-nfs"
)

var quietOnce sync.Once

// quietGoNFS silences go-nfs's process-wide logger (it logs every failed
// lookup at ERROR level) unless someone already installed their own
// logger. Panic and Fatal keep go-nfs's default behaviour. Use
// nfs.SetLogger to get the output back (e.g. in `nfsmail serve -v`).
func quietGoNFS() {
	quietOnce.Do(func() {
		if d, ok := nfs.Log.(*nfs.DefaultLogger); ok {
			nfs.SetLogger(quietLogger{d})
		}
	})
}

// quietLogger drops everything below Panic and Fatal.
type quietLogger struct {
	*nfs.DefaultLogger
}

func (quietLogger) Error(...any)          {}
func (quietLogger) Warn(...any)           {}
func (quietLogger) Info(...any)           {}
func (quietLogger) Debug(...any)          {}
func (quietLogger) Trace(...any)          {}
func (quietLogger) Print(...any)          {}
func (quietLogger) Errorf(string, ...any) {}
func (quietLogger) Warnf(string, ...any)  {}
func (quietLogger) Infof(string, ...any)  {}
func (quietLogger) Debugf(string, ...any) {}
func (quietLogger) Tracef(string, ...any) {}
func (quietLogger) Printf(string, ...any) {}
