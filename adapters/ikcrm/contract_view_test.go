package ikcrm

import "testing"

func TestNamePinyin(t *testing.T) {
	for name, want := range map[string]string{"TEST5612": "TEST5612", "测试公司": "ceshigongsi", "上海ABC有限公司": "shanghaiABCyouxiangongsi", "": ""} {
		if got := namePinyin(name); got != want {
			t.Errorf("namePinyin(%q) = %q, want %q", name, got, want)
		}
	}
}
