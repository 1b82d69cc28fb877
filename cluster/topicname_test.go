package cluster

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateTopicName(t *testing.T) {
	for _, tc := range []struct {
		name    string
		wantMsg string // "" = valid
	}{
		{"orders", ""},
		{"a.b_c-D9", ""},
		{strings.Repeat("x", 249), ""},
		{"", "Topic name is illegal, it can't be empty"},
		{".", `Topic name cannot be "." or ".."`},
		{"..", `Topic name cannot be "." or ".."`},
		{"...", ""},
		{strings.Repeat("x", 250), "Topic name is illegal, it can't be longer than 249 characters, Topic name: " + strings.Repeat("x", 250)},
		{"a b", `Topic name "a b" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`},
		{"a/b", `Topic name "a/b" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`},
		{"é", `Topic name "é" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`},
	} {
		err := ValidateTopicName(tc.name)
		if tc.wantMsg == "" {
			if err != nil {
				t.Errorf("%q: unexpected %v", tc.name, err)
			}
			continue
		}
		if !errors.Is(err, ErrInvalidTopic) || Message(err) != tc.wantMsg {
			t.Errorf("%q: got %v (message %q), want ErrInvalidTopic %q", tc.name, err, Message(err), tc.wantMsg)
		}
	}
}

func TestTopicCollision(t *testing.T) {
	existing := []string{"a.b", "x_y", "plain", "m.n_o"}
	for _, tc := range []struct {
		name    string
		wantMsg string
	}{
		{"a_b", "Topic 'a_b' collides with existing topics: a.b"},
		{"x.y", "Topic 'x.y' collides with existing topics: x_y"},
		{"m_n.o", "Topic 'm_n.o' collides with existing topics: m.n_o"},
		{"a-b", ""},
		{"plain2", ""},
		{"a.b", ""}, // the same name is TOPIC_ALREADY_EXISTS, checked separately
	} {
		err := checkCollision(tc.name, existing)
		if tc.wantMsg == "" {
			if err != nil {
				t.Errorf("%s: unexpected %v", tc.name, err)
			}
			continue
		}
		if !errors.Is(err, ErrInvalidTopic) || Message(err) != tc.wantMsg {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.wantMsg)
		}
	}
	if !TopicNamesCollide("a.b", "a_b") || TopicNamesCollide("a.b", "a-b") {
		t.Error("TopicNamesCollide wrong")
	}
}
