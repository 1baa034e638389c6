package migration

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Sheet is one sheet as read: its header and its rows of text, each with its
// row number as a spreadsheet shows it (the header is row 1).
type Sheet struct {
	Name   string
	Header []string
	Rows   []Line
}

// Line is one row of a sheet.
type Line struct {
	Num   int
	Cells []string
}

// Read reads an .xlsx workbook or a folder of CSV files (customers.csv …,
// UTF-8 with or without a BOM). A sheet or file that is empty is left out.
func Read(path string) ([]Sheet, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return readFolder(path)
	}
	return readWorkbook(path)
}

func readWorkbook(path string) ([]Sheet, error) {
	f, err := excelize.OpenFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s is no .xlsx workbook: %w", filepath.Base(path), err)
	}
	defer f.Close()
	var out []Sheet
	for _, name := range f.GetSheetList() {
		rows, err := f.GetRows(name, excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, fmt.Errorf("sheet %s: %w", name, err)
		}
		if s, ok := sheetOf(name, rows); ok {
			out = append(out, s)
		}
	}
	return out, nil
}

func readFolder(dir string) ([]Sheet, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.csv"))
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []Sheet
	for _, p := range names {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\uFEFF"))))
		r.FieldsPerRecord = -1 // a short row is a row with empty cells, as in a workbook
		var rows [][]string
		for {
			rec, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %w", filepath.Base(p), err)
			}
			// The reader passes over blank lines, which a spreadsheet shows as
			// rows: the row numbers reported are the lines'.
			line, _ := r.FieldPos(0)
			for len(rows) < line-1 {
				rows = append(rows, nil)
			}
			rows = append(rows, rec)
		}
		if s, ok := sheetOf(strings.TrimSuffix(filepath.Base(p), ".csv"), rows); ok {
			out = append(out, s)
		}
	}
	return out, nil
}

// sheetOf makes a Sheet of rows read, the first being the header; rows with
// nothing in them are left out, their numbers kept by the others.
func sheetOf(name string, rows [][]string) (Sheet, bool) {
	if len(rows) == 0 {
		return Sheet{}, false
	}
	s := Sheet{Name: name}
	for _, h := range rows[0] {
		s.Header = append(s.Header, strings.TrimSpace(h))
	}
	for i, cells := range rows[1:] {
		if strings.TrimSpace(strings.Join(cells, "")) == "" {
			continue
		}
		s.Rows = append(s.Rows, Line{Num: i + 2, Cells: cells})
	}
	return s, true
}

// Template writes the empty workbook: one sheet a kind, in Kinds' order, with
// its header and one example row.
func Template(w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	// Text cells: a date or an amount typed in stays the text it was typed as,
	// not a spreadsheet's serial day or float.
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49})
	if err != nil {
		return err
	}
	for i, k := range Kinds {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", k.Sheet); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(k.Sheet); err != nil {
			return err
		}
		header := make([]any, len(k.Columns))
		example := make([]any, len(k.Columns))
		for j, c := range k.Columns {
			header[j], example[j] = c.Name, c.Example
		}
		last, err := excelize.ColumnNumberToName(len(k.Columns))
		if err != nil {
			return err
		}
		if err := f.SetColStyle(k.Sheet, "A:"+last, text); err != nil {
			return err
		}
		if err := f.SetSheetRow(k.Sheet, "A1", &header); err != nil {
			return err
		}
		if err := f.SetSheetRow(k.Sheet, "A2", &example); err != nil {
			return err
		}
	}
	return f.Write(w)
}
