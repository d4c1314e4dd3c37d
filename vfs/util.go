package vfs

import (
	"errors"
	"io"
	"io/fs"
)

// ReadFile reads the whole named file.
func ReadFile(fsys FS, name string) ([]byte, error) {
	f, err := fsys.OpenFile(name, O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return data, err
}

// WriteFile creates or truncates name and writes data, then closes it.
func WriteFile(fsys FS, name string, data []byte, perm fs.FileMode) error {
	f, err := fsys.OpenFile(name, O_WRONLY|O_CREATE|O_TRUNC, perm)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// MkdirAll creates name and any missing parents.
func MkdirAll(fsys FS, name string, perm fs.FileMode) error {
	if name == "." || name == "" || name == "/" {
		return nil
	}
	if fi, err := fsys.Stat(name); err == nil {
		if fi.IsDir() {
			return nil
		}
		return &fs.PathError{Op: "mkdir", Path: name, Err: ErrNotDir}
	}
	if err := MkdirAll(fsys, parent(name), perm); err != nil {
		return err
	}
	err := fsys.Mkdir(name, perm)
	if err != nil && isExist(err) {
		return nil
	}
	return err
}

func parent(name string) string {
	for i := len(name) - 1; i >= 0; i-- {
		if name[i] == '/' {
			return name[:i]
		}
	}
	return "."
}

func isExist(err error) bool { return errors.Is(err, fs.ErrExist) }
