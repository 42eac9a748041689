package redisbroker

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// This file holds what the broker keeps in Redis: the names of a topic's
// keys and channel, the ids, and the scripts that change and read them.

// names are a topic's keys and channel.
type names struct {
	meta, stream, channel string
}

func (b *Broker) names(topic string) names {
	base := b.cfg.prefix + "{" + hashTag(topic) + "}:"
	return names{meta: base + "m", stream: base + "s", channel: base + "c"}
}

// hashTag is the topic as it is written between the braces of its keys,
// so that it is their Cluster hash tag and they live in one slot, as a
// script needs. Redis takes for the tag what lies between the first '{'
// and the first '}' after it, and hashes the whole key when that is
// empty, so a topic's '{' and '}' are written %7B and %7D, its '%' %25,
// and the empty topic "%" (which no other topic gives: every '%' of theirs
// begins an escape). An ordinary topic is written as it is.
func hashTag(topic string) string {
	if topic == "" {
		return "%"
	}
	if !strings.ContainsAny(topic, "%{}") {
		return topic
	}
	var s strings.Builder
	s.Grow(len(topic) + 8)
	for i := 0; i < len(topic); i++ {
		switch c := topic[i]; c {
		case '%':
			s.WriteString("%25")
		case '{':
			s.WriteString("%7B")
		case '}':
			s.WriteString("%7D")
		default:
			s.WriteByte(c)
		}
	}
	return s.String()
}

// An id is "<epoch>-<seq>-<nonce>": seq counts the frames of a life of
// the topic from 1, epoch is a random word drawn when that life began,
// and nonce one drawn for the frame. The frame numbered seq is the stream
// entry "0-<seq>", which holds its nonce. A Redis that comes back from an
// older copy of its data (a snapshot, a replica) numbers frames again
// with seqs it had given: their nonces tell them apart.

// newEpoch draws an epoch for a topic that may be new; the append script
// keeps it only when the topic has none.
func newEpoch() string { return strconv.FormatUint(rand.Uint64(), 36) }

// newNonce draws a frame's nonce: 40 bits, at most 8 characters.
func newNonce() string { return strconv.FormatUint(rand.Uint64()>>24, 36) }

// frameID is an id taken apart.
type frameID struct {
	epoch string
	seq   uint64
	nonce string
}

func (f frameID) String() string {
	return f.epoch + "-" + strconv.FormatUint(f.seq, 10) + "-" + f.nonce
}

// parseID takes apart an id the broker may have assigned. Anything else
// (a seq with a sign or leading zeros, seq 0, an empty or upper-case word)
// is no id of ours, so it can name no retained frame.
func parseID(id string) (f frameID, ok bool) {
	epoch, rest, ok1 := strings.Cut(id, "-")
	digits, nonce, ok2 := strings.Cut(rest, "-")
	if !ok1 || !ok2 || !isWord(epoch) || !isWord(nonce) || digits == "" || digits[0] == '0' {
		return f, false
	}
	seq, err := strconv.ParseUint(digits, 10, 64)
	if err != nil {
		return f, false
	}
	return frameID{epoch: epoch, seq: seq, nonce: nonce}, true
}

// isWord reports whether s is a non-empty word of base 36 digits.
func isWord(s string) bool {
	for _, c := range []byte(s) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'z') {
			return false
		}
	}
	return s != ""
}

// Published messages on a topic's channel begin with their kind: a frame
// ("f<id>\n<body>") or the notice that the topic was dropped ("d").
const (
	kindFrame = 'f'
	kindDrop  = 'd'
)

// The meta hash of a topic holds its epoch (e), the seq and nonce of its
// newest frame (s, n), and those of the last frame trimmed from the
// history (ts, tn), the one just older than the history, which Read
// places too.

// appendScript adds a frame. KEYS: meta, stream. ARGV: an epoch for a new
// life, the frame's nonce, body, frames to keep, idle milliseconds (0:
// keep for good), channel. It returns the id. Being one script, it is
// atomic: ids are assigned, stored and published in one order for every
// process.
//
// A new life deletes the stream first, in case the meta hash expired
// before it: the stream's entry ids must grow. The history is trimmed
// here rather than by XADD's MAXLEN, to note the last frame trimmed; in
// steady state that is one entry per append. When the bound shrank, the
// last one trimmed is found by reading whichever is shorter, what goes or
// what stays.
var appendScript = redis.NewScript(`
if redis.call('HSETNX', KEYS[1], 'e', ARGV[1]) == 1 then
	redis.call('DEL', KEYS[2])
end
local epoch = redis.call('HGET', KEYS[1], 'e')
local seq = string.format('%d', redis.call('HINCRBY', KEYS[1], 's', 1))
local nonce = ARGV[2]
redis.call('HSET', KEYS[1], 'n', nonce)
local frames = tonumber(ARGV[4])
if frames > 0 then
	redis.call('XADD', KEYS[2], '0-' .. seq, 'n', nonce, 'b', ARGV[3])
	local excess = redis.call('XLEN', KEYS[2]) - frames
	if excess > 0 then
		local last
		if excess <= frames then
			local gone = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', excess)
			last = gone[#gone]
		else
			local kept = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', frames + 1)
			last = kept[#kept]
		end
		-- An entry is {'0-<seq>', {'n', nonce, 'b', body}}.
		redis.call('HSET', KEYS[1], 'ts', string.sub(last[1], 3), 'tn', last[2][2])
		redis.call('XTRIM', KEYS[2], 'MAXLEN', frames)
	end
else
	redis.call('DEL', KEYS[2])
	redis.call('HSET', KEYS[1], 'ts', seq, 'tn', nonce)
end
local idle = tonumber(ARGV[5])
if idle > 0 then
	redis.call('PEXPIRE', KEYS[1], idle)
	redis.call('PEXPIRE', KEYS[2], idle)
else
	redis.call('PERSIST', KEYS[1])
	redis.call('PERSIST', KEYS[2])
end
local id = epoch .. '-' .. seq .. '-' .. nonce
redis.call('PUBLISH', ARGV[6], 'f' .. id .. '\n' .. ARGV[3])
return id
`)

// readScript reads frames. KEYS: meta, stream. ARGV: epoch, seq and nonce
// of the frame to read after (seq "" for none), limit. It returns {found,
// epoch, entries}: epoch "" when the topic does not exist. The frame is
// found when it is of this life and is either retained, with that nonce,
// or the last one trimmed: then the entries follow it; else they are the
// oldest retained. (An exclusive range needs Redis 6.2.)
var readScript = redis.NewScript(`
local m = redis.call('HMGET', KEYS[1], 'e', 's', 'ts', 'tn')
local epoch = m[1]
if not epoch then
	return {0, '', {}}
end
local limit = tonumber(ARGV[4])
local found = false
local start = '-'
if ARGV[2] ~= '' and ARGV[1] == epoch then
	local at = '0-' .. ARGV[2]
	local entry = redis.call('XRANGE', KEYS[2], at, at)[1]
	if entry then
		found = entry[2][2] == ARGV[3]
	else
		found = ARGV[2] == m[3] and ARGV[3] == m[4]
	end
	if found then
		if ARGV[2] == m[2] then
			return {1, epoch, {}}
		end
		start = '(' .. at
	end
end
local f = 0
if found then
	f = 1
end
if limit <= 0 then
	return {f, epoch, {}}
end
return {f, epoch, redis.call('XRANGE', KEYS[2], start, '+', 'COUNT', limit)}
`)

// dropScript forgets a topic and tells every process. KEYS: meta,
// stream. ARGV: channel.
var dropScript = redis.NewScript(`
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('PUBLISH', ARGV[1], 'd')
return 1
`)

// stored is a frame read from a stream.
type stored struct {
	seq   uint64
	nonce string
	body  string
}

// readResult is what readScript returns.
type readResult struct {
	found  bool
	epoch  string // "" when the topic does not exist
	frames []stored
}

// readArgs are readScript's ARGV for the frames after the frame at, or
// from the oldest when at has no epoch.
func readArgs(at frameID, limit int) []any {
	if at.epoch == "" {
		return []any{"", "", "", limit}
	}
	return []any{at.epoch, strconv.FormatUint(at.seq, 10), at.nonce, limit}
}

// read runs readScript for the frames after the frame at.
func (b *Broker) read(ctx context.Context, n names, at frameID, limit int) (readResult, error) {
	v, err := readScript.Run(ctx, b.client, []string{n.meta, n.stream}, readArgs(at, limit)...).Result()
	if err != nil {
		return readResult{}, err
	}
	return parseRead(v)
}

// parseRead reads readScript's reply.
func parseRead(v any) (readResult, error) {
	bad := func() (readResult, error) { return readResult{}, fmt.Errorf("unexpected reply %v", v) }
	a, ok := v.([]any)
	if !ok || len(a) != 3 {
		return bad()
	}
	found, ok1 := a[0].(int64)
	epoch, ok2 := a[1].(string)
	entries, ok3 := a[2].([]any)
	if !ok1 || !ok2 || !ok3 {
		return bad()
	}
	r := readResult{found: found == 1, epoch: epoch, frames: make([]stored, 0, len(entries))}
	for _, e := range entries {
		// An entry is {"0-<seq>", {"n", nonce, "b", body}}.
		entry, ok := e.([]any)
		if !ok || len(entry) != 2 {
			return bad()
		}
		id, ok1 := entry[0].(string)
		fields, ok2 := entry[1].([]any)
		if !ok1 || !ok2 || len(fields) != 4 || fields[0] != "n" || fields[2] != "b" {
			return bad()
		}
		nonce, ok3 := fields[1].(string)
		body, ok4 := fields[3].(string)
		digits, ok5 := strings.CutPrefix(id, "0-")
		seq, err := strconv.ParseUint(digits, 10, 64)
		if !ok3 || !ok4 || !ok5 || err != nil {
			return bad()
		}
		r.frames = append(r.frames, stored{seq: seq, nonce: nonce, body: body})
	}
	return r, nil
}

// idleMillis is keep.Idle for PEXPIRE: 0 keeps for good, and a positive
// duration is at least a millisecond.
func idleMillis(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return max(d.Milliseconds(), 1)
}
