package nfsserver

import "github.com/nfsmail/nfsmail/nfs3"

// nlmFreeAll serves NLM4_FREE_ALL (void result): the named host rebooted,
// so every lock and blocked request it had is dropped.
func nlmFreeAll(s *Server, c *call) ([]byte, error) {
	d := c.decoder()
	n := nfs3.DecodeNLMNotify(d)
	if err := done(d); err != nil {
		return nil, err
	}
	s.locks.freeHost(n.Name)
	return nil, nil
}
