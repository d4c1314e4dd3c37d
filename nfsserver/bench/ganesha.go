package bench

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// ErrNoGanesha is returned by StartGanesha when ganesha.nfsd or rpcbind
// is not installed (`make deps` installs them).
var ErrNoGanesha = errors.New("bench: nfs-ganesha or rpcbind not installed: run make deps")

// Ganesha ports (loopback only).
const (
	ganeshaNFSPort   = 20490
	ganeshaMountPort = 20491
)

// Ganesha is a running nfs-ganesha serving a temporary directory over
// NFSv3 (FSAL_VFS), for comparison runs.
type Ganesha struct {
	dir     string
	cmd     *exec.Cmd
	rpcbind *exec.Cmd // nil if rpcbind was already running
	Target  Target
}

const ganeshaConf = `NFS_CORE_PARAM {
	Bind_addr = 127.0.0.1; NFS_Port = %d; MNT_Port = %d; NLM_Port = 20492; Rquota_Port = 20493;
	Protocols = 3; Enable_NLM = false; Enable_RQUOTA = false; Enable_UDP = false;
}
NFSV4 { Graceless = true; RecoveryRoot = %s/recov; }
NFS_KRB5 { Active_krb5 = false; }
EXPORT {
	Export_ID = 1; Path = %s/export; Pseudo = /export; Access_Type = RW;
	Squash = No_Root_Squash; Protocols = 3; Transports = TCP; SecType = sys, none;
	FSAL { Name = VFS; }
}
`

// StartGanesha starts rpcbind (if it is not running; NFSv3 on ganesha
// needs it) and ganesha.nfsd in the foreground on loopback, and waits
// until its MOUNT service answers. Call Stop to end both.
func StartGanesha(dir string) (*Ganesha, error) {
	bin, err := exec.LookPath("ganesha.nfsd")
	if err != nil {
		return nil, ErrNoGanesha
	}
	g := &Ganesha{dir: dir}
	if err := g.startRPCBind(); err != nil {
		return nil, err
	}
	for _, d := range []string{"export", "recov"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			g.Stop()
			return nil, err
		}
	}
	conf := filepath.Join(dir, "ganesha.conf")
	text := fmt.Sprintf(ganeshaConf, ganeshaNFSPort, ganeshaMountPort, dir, dir)
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		g.Stop()
		return nil, err
	}
	g.cmd = exec.Command(bin, "-F", "-f", conf, "-p", filepath.Join(dir, "ganesha.pid"),
		"-L", filepath.Join(dir, "ganesha.log"), "-N", "NIV_EVENT")
	if err := g.cmd.Start(); err != nil {
		g.Stop()
		return nil, fmt.Errorf("bench: start ganesha: %w", err)
	}
	g.Target = Target{Name: "nfs-ganesha", NFS: addr(ganeshaNFSPort), Mount: addr(ganeshaMountPort),
		Export: filepath.Join(dir, "export")}
	if err := g.wait(); err != nil {
		g.Stop()
		return nil, err
	}
	return g, nil
}

func addr(port int) string { return fmt.Sprintf("127.0.0.1:%d", port) }

func (g *Ganesha) startRPCBind() error {
	if c, err := net.DialTimeout("tcp", "127.0.0.1:111", time.Second); err == nil {
		c.Close()
		return nil
	}
	bin, err := exec.LookPath("rpcbind")
	if err != nil {
		return ErrNoGanesha
	}
	_ = os.MkdirAll("/run/rpcbind", 0o755)
	g.rpcbind = exec.Command(bin, "-f")
	if err := g.rpcbind.Start(); err != nil {
		return fmt.Errorf("bench: start rpcbind: %w", err)
	}
	for i := 0; i < 100; i++ {
		if c, err := net.DialTimeout("tcp", "127.0.0.1:111", time.Second); err == nil {
			c.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("bench: rpcbind did not start listening on port 111")
}

// wait polls MNT until ganesha serves the export (up to 30 s).
func (g *Ganesha) wait() error {
	var err error
	for i := 0; i < 300; i++ {
		if _, err = mount(g.Target.Mount, g.Target.Export); err == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("bench: ganesha not serving (see %s): %w", filepath.Join(g.dir, "ganesha.log"), err)
}

// Stop ends ganesha and, if StartGanesha started it, rpcbind.
func (g *Ganesha) Stop() {
	for _, c := range []*exec.Cmd{g.cmd, g.rpcbind} {
		if c != nil && c.Process != nil {
			_ = c.Process.Kill()
			_ = c.Wait()
		}
	}
}
