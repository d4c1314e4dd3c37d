package realdovecot

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Binary paths of the Debian packages dovecot-core, -imapd and -lmtpd.
const (
	DovecotBin = "/usr/sbin/dovecot"
	DoveadmBin = "/usr/bin/doveadm"
	IMAPBin    = "/usr/lib/dovecot/imap"
	LMTPBin    = "/usr/lib/dovecot/lmtp"
)

// MailUser is the unprivileged system user that owns mail (Dovecot refuses
// uid 0 for mail access).
const MailUser = "vmail"

// Check reports what is missing to run real Dovecot here: the binaries of
// Dovecot 2.3 and the mail user.
func Check() error {
	var missing []string
	for _, b := range []string{DovecotBin, IMAPBin, LMTPBin} {
		if _, err := os.Stat(b); err != nil {
			missing = append(missing, b)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("dovecot is not installed (missing %s; apt-get install dovecot-core dovecot-imapd dovecot-lmtpd)", strings.Join(missing, ", "))
	}
	out, err := exec.Command(DovecotBin, "--version").Output()
	if err != nil || !strings.HasPrefix(string(out), "2.3") {
		return fmt.Errorf("dovecot 2.3 is required (dovecot --version: %q, %v)", strings.TrimSpace(string(out)), err)
	}
	if _, _, err := mailIDs(); err != nil {
		return err
	}
	return nil
}

// mailIDs returns the uid and gid of MailUser.
func mailIDs() (uint32, uint32, error) {
	u, err := user.Lookup(MailUser)
	if err != nil {
		return 0, 0, fmt.Errorf("mail user %s is missing (useradd -u 5000 -M -s /usr/sbin/nologin %s): %w", MailUser, MailUser, err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return 0, 0, fmt.Errorf("mail user %s: %w", MailUser, err)
	}
	return uint32(uid), uint32(gid), nil
}

// Instance is one running Dovecot master with its services.
type Instance struct {
	Config InstanceConfig
	cmd    *exec.Cmd
	done   chan error
}

// Start writes the config and starts `dovecot -F -c CONF`, waiting until
// its LMTP and IMAP ports accept connections.
func Start(cfg InstanceConfig) (*Instance, error) {
	for _, d := range []string{"run", "state", "log"} {
		if err := os.MkdirAll(filepath.Join(cfg.BaseDir, d), 0o755); err != nil {
			return nil, fmt.Errorf("realdovecot: %s: %w", cfg.Name, err)
		}
	}
	conf := filepath.Join(cfg.BaseDir, "dovecot.conf")
	if err := os.WriteFile(conf, []byte(cfg.Conf()), 0o644); err != nil {
		return nil, fmt.Errorf("realdovecot: %s: %w", cfg.Name, err)
	}
	cmd := exec.Command(DovecotBin, "-F", "-c", conf)
	cmd.Stdout = nil
	stderr, err := os.Create(filepath.Join(cfg.BaseDir, "log", "master.stderr"))
	if err != nil {
		return nil, fmt.Errorf("realdovecot: %s: %w", cfg.Name, err)
	}
	cmd.Stderr = stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		stderr.Close()
		return nil, fmt.Errorf("realdovecot: %s: start dovecot: %w", cfg.Name, err)
	}
	in := &Instance{Config: cfg, cmd: cmd, done: make(chan error, 1)}
	go func() {
		in.done <- cmd.Wait()
		stderr.Close()
	}()
	if err := in.waitReady(15 * time.Second); err != nil {
		in.Stop()
		return nil, err
	}
	return in, nil
}

func (in *Instance) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for _, port := range []int{in.Config.LMTPPort, in.Config.IMAPPort} {
		addr := net.JoinHostPort(in.Config.Addr, strconv.Itoa(port))
		for {
			c, err := net.DialTimeout("tcp", addr, time.Second)
			if err == nil {
				c.Close()
				break
			}
			select {
			case werr := <-in.done:
				in.done <- werr
				return fmt.Errorf("realdovecot: %s: dovecot exited: %v; %s", in.Config.Name, werr, in.tail())
			default:
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("realdovecot: %s: %s not listening after %v; %s", in.Config.Name, addr, timeout, in.tail())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return nil
}

// tail returns the last lines of the master's stderr and log, for errors.
func (in *Instance) tail() string {
	var parts []string
	for _, f := range []string{"master.stderr", "dovecot.log"} {
		b, _ := os.ReadFile(filepath.Join(in.Config.BaseDir, "log", f))
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		parts = append(parts, f+": "+strings.Join(lines[max(0, len(lines)-5):], " | "))
	}
	return strings.Join(parts, "; ")
}

// LMTPAddr and IMAPAddr are where the instance listens.
func (in *Instance) LMTPAddr() string {
	return net.JoinHostPort(in.Config.Addr, strconv.Itoa(in.Config.LMTPPort))
}

// IMAPAddr is the IMAP listener's address.
func (in *Instance) IMAPAddr() string {
	return net.JoinHostPort(in.Config.Addr, strconv.Itoa(in.Config.IMAPPort))
}

// LogPath is the instance's error log.
func (in *Instance) LogPath() string { return filepath.Join(in.Config.BaseDir, "log", "dovecot.log") }

// Stop terminates the master (which stops its services) and waits; after
// 10 s the whole process group is killed.
func (in *Instance) Stop() error {
	select {
	case err := <-in.done:
		in.done <- err
		return nil
	default:
	}
	_ = in.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-in.done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-in.cmd.Process.Pid, syscall.SIGKILL)
		<-in.done
	}
	// Services that outlived the master (none normally) go with the group.
	_ = syscall.Kill(-in.cmd.Process.Pid, syscall.SIGKILL)
	in.done <- nil
	return nil
}

// freePorts returns n TCP ports on addr that were free a moment ago.
func freePorts(addr string, n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var ports []int
	for range n {
		l, err := net.Listen("tcp", net.JoinHostPort(addr, "0"))
		if err != nil {
			return nil, fmt.Errorf("realdovecot: free port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
