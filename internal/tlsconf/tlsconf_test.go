package tlsconf

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestSelfSignedIsCreatedOnceAndReused(t *testing.T) {
	dir := t.TempDir()
	c1, err := SelfSigned(dir)
	if err != nil {
		t.Fatal(err)
	}
	c2, err := SelfSigned(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(c1.Certificates[0].Certificate[0], c2.Certificates[0].Certificate[0]) {
		t.Error("second start made a new certificate")
	}
	if fi, _ := os.Stat(filepath.Join(dir, SelfSignedKey)); fi.Mode().Perm() != 0o600 {
		t.Errorf("key mode %v, want 0600", fi.Mode().Perm())
	}
}

func TestFromFilesNamesTheFiles(t *testing.T) {
	_, err := FromFiles("/nonexistent/c.pem", "/nonexistent/k.pem")
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("/nonexistent/c.pem")) {
		t.Fatalf("err = %v", err)
	}
}
