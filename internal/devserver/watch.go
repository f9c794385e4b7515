package devserver

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/fsnotify/fsnotify"
)

// watcher reports changes to an app's sources: .go files, go.mod, go.sum,
// embedded assets and .chalice/config.json, in every directory of the
// project except hidden ones (.git) and testdata.
type watcher struct {
	fs      *fsnotify.Watcher
	changed chan struct{}
	done    chan struct{}
}

func newWatcher(dir string) (*watcher, error) {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, err
	}
	w := &watcher{fs: fw, changed: make(chan struct{}, 1), done: make(chan struct{})}
	if err := w.addTree(dir); err != nil {
		fw.Close()
		return nil, err
	}
	go w.loop()
	return w, nil
}

func (w *watcher) addTree(root string) error {
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		if path != root && skipDir(d.Name()) {
			return filepath.SkipDir
		}
		return w.fs.Add(path)
	})
}

func skipDir(name string) bool {
	return name == "testdata" || name == "node_modules" || name == "vendor" ||
		(strings.HasPrefix(name, ".") && name != ".chalice")
}

func (w *watcher) loop() {
	defer close(w.done)
	for {
		select {
		case ev, ok := <-w.fs.Events:
			if !ok {
				return
			}
			if ev.Has(fsnotify.Create) {
				if fi, err := os.Stat(ev.Name); err == nil && fi.IsDir() && !skipDir(filepath.Base(ev.Name)) {
					w.addTree(ev.Name)
					w.signal()
					continue
				}
			}
			if relevant(ev.Name) && !ev.Has(fsnotify.Chmod) {
				w.signal()
			}
		case _, ok := <-w.fs.Errors:
			if !ok {
				return
			}
		}
	}
}

func (w *watcher) signal() {
	select {
	case w.changed <- struct{}{}:
	default:
	}
}

// relevant says whether a change to this file can change the build. Files
// in .chalice other than config.json (the deployed records, policies that
// only package uses) are not; editor swap files are not.
func relevant(path string) bool {
	base := filepath.Base(path)
	if strings.HasPrefix(base, ".") || strings.HasSuffix(base, "~") || strings.HasSuffix(base, ".swp") {
		return false
	}
	if filepath.Base(filepath.Dir(path)) == ".chalice" {
		return base == "config.json" || base == "local.json"
	}
	return strings.HasSuffix(base, ".go") || base == "go.mod" || base == "go.sum" || isAsset(base)
}

// isAsset: files a program commonly embeds (//go:embed).
func isAsset(base string) bool {
	switch strings.ToLower(filepath.Ext(base)) {
	case ".html", ".css", ".js", ".json", ".txt", ".tmpl", ".sql", ".yaml", ".yml", ".svg", ".png":
		return true
	}
	return false
}

func (w *watcher) Close() error {
	err := w.fs.Close()
	<-w.done
	return err
}
