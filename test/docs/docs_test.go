// Package docs checks the repository's documentation rules: every Go
// package has exactly one package comment, and every config example in the
// README loads.
package docs

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sentrypeer/sentrypeer/internal/config"
)

const root = "../.."

func TestEveryPackageHasOnePackageComment(t *testing.T) {
	dirs := map[string]bool{}
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") && p != root {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go") {
			dirs[filepath.Dir(p)] = true
		}
		return nil
	})
	if len(dirs) < 10 {
		t.Fatalf("found only %d package folders; wrong root?", len(dirs))
	}
	for dir := range dirs {
		fset := token.NewFileSet()
		pkgs, err := parser.ParseDir(fset, dir, func(fi fs.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, parser.PackageClauseOnly|parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for name, pkg := range pkgs {
			var with []string
			for file, f := range pkg.Files {
				if f.Doc != nil {
					with = append(with, filepath.Base(file))
				}
			}
			if len(with) != 1 {
				t.Errorf("package %s in %s: %d files with a package comment %v, want exactly 1", name, dir, len(with), with)
			}
		}
	}
}

// TestREADMEConfigExampleLoads loads the config file example of README.md.
func TestREADMEConfigExampleLoads(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```\n(# /etc/sentrypeer.conf\n.*?)```").FindAllStringSubmatch(string(b), -1)
	if len(blocks) == 0 {
		t.Fatal("no config example found in README.md")
	}
	for _, blk := range blocks {
		file := filepath.Join(t.TempDir(), "sentrypeer.conf")
		os.WriteFile(file, []byte(blk[1]), 0o600)
		c, err := config.Load([]string{"-g", file}, func(string) (string, bool) { return "", false })
		if err != nil {
			t.Fatalf("README config example: %v", err)
		}
		if !c.SIPResponsive || !c.JSONLog || c.DataDir != "/var/lib/sentrypeer" || len(c.SIPListen) != 2 {
			t.Errorf("README example loaded as %+v", c)
		}
	}
}
