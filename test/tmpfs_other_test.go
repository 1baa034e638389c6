//go:build !linux

package test

import "errors"

var errNoTmpfs = errors.New("tmpfs is Linux's")

func mountTmpfs(string, int) error { return errNoTmpfs }

func unmount(string) error { return errNoTmpfs }
