package nfsserver

// nlmNull serves NLM4 NULL: a ping (void).
func nlmNull(*Server, *call) ([]byte, error) { return nil, nil }
