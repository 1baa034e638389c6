package ikcrm

// Request bodies: JSON, form-encoded or multipart, all read into one tree of
// nested parameters, as Rails hands them to a controller.

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"crmgw/core"
)

// requestTree reads the body into nested parameters. JSON gives strings,
// json.Number, bool, nil, []any and map[string]any; the form encodings give
// strings, []any and map[string]any, their keys nested as Rack nests them,
// after the query string's (so the body wins, as in Rack).
func requestTree(c echo.Context) (map[string]any, error) {
	r := c.Request()
	mediaType, params, _ := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType))
	switch mediaType {
	case echo.MIMEApplicationJSON:
		dec := json.NewDecoder(r.Body)
		dec.UseNumber()
		var tree map[string]any
		if err := dec.Decode(&tree); err != nil {
			return nil, bodyError(err, "请求体不是有效的 JSON 对象")
		}
		if _, err := dec.Token(); err != io.EOF {
			return nil, invalid("请求体不是有效的 JSON 对象: 对象之后还有内容")
		}
		if tree == nil {
			tree = map[string]any{}
		}
		return tree, nil
	case echo.MIMEMultipartForm:
		pairs, err := ParseForm(r.URL.RawQuery)
		if err != nil {
			return nil, invalid("查询参数格式错误: " + err.Error())
		}
		more, err := multipartPairs(multipart.NewReader(r.Body, params["boundary"]))
		if err != nil {
			return nil, bodyError(err, "multipart 请求体格式错误")
		}
		return nestPairs(append(pairs, more...))
	case echo.MIMEApplicationForm, "":
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, bodyError(err, "无法读取请求体")
		}
		pairs, err := ParseForm(r.URL.RawQuery + "&" + string(body))
		if err != nil {
			return nil, invalid("参数格式错误: " + err.Error())
		}
		return nestPairs(pairs)
	default:
		return nil, &apiError{http.StatusUnsupportedMediaType, 100415, "不支持的 Content-Type: " + mediaType, "unsupported_media_type"}
	}
}

// multipartPairs reads the fields of a multipart body in order. File parts
// (attachments) are read past: crmgw keeps no files.
func multipartPairs(mr *multipart.Reader) ([]Pair, error) {
	var pairs []Pair
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return pairs, nil
		}
		if err != nil {
			return nil, err
		}
		value, err := io.ReadAll(part)
		if err != nil {
			return nil, err
		}
		if part.FileName() != "" {
			continue
		}
		if len(pairs) == maxPairs {
			return nil, fmt.Errorf("more than %d parameters", maxPairs)
		}
		pairs = append(pairs, Pair{part.FormName(), string(value)})
	}
}

func nestPairs(pairs []Pair) (map[string]any, error) {
	tree, err := Nest(pairs)
	var ke *KeyError
	if errors.As(err, &ke) {
		return nil, invalid(fmt.Sprintf("参数名 %q 格式错误: %s", core.Excerpt(ke.Key), ke.Reason))
	}
	if err != nil {
		return nil, invalid("参数格式错误: " + err.Error())
	}
	return tree, nil
}

// bodyError tells a body cut off by the size limit from a malformed one.
func bodyError(err error, message string) error {
	var tooLarge *http.MaxBytesError
	var he *echo.HTTPError // the gateway's body limit, when the length was not announced
	if errors.As(err, &tooLarge) || errors.As(err, &he) && he.Code == http.StatusRequestEntityTooLarge {
		return echo.ErrStatusRequestEntityTooLarge
	}
	return invalid(message + ": " + strings.TrimPrefix(err.Error(), "json: "))
}
