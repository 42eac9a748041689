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

// names are a topic's keys and channel. The topic is the hash tag of both
// keys, so that they live in one Cluster slot, as a script needs. A topic
// holding braces changes which part is the tag, but identically in both
// keys, since they differ only after the closing brace the broker adds.
type names struct {
	meta, stream, channel string
}

func (b *Broker) names(topic string) names {
	base := b.cfg.prefix + "{" + topic + "}:"
	return names{meta: base + "m", stream: base + "s", channel: base + "c"}
}

// An id is "<epoch>-<seq>": seq counts the frames of a life of the topic
// from 1, and epoch is a random word drawn when that life began. The
// frame numbered seq is the stream entry "0-<seq>".

// newEpoch draws an epoch for a topic that may be new; the append script
// keeps it only when the topic has none.
func newEpoch() string { return strconv.FormatUint(rand.Uint64(), 36) }

// parseID splits an id the broker may have assigned into its epoch and
// seq. Anything else (a number with a sign or leading zeros, seq 0, an
// empty epoch) is no id of ours, so it can name no retained frame.
func parseID(id string) (epoch string, seq uint64, ok bool) {
	i := strings.LastIndexByte(id, '-')
	if i <= 0 {
		return "", 0, false
	}
	epoch, digits := id[:i], id[i+1:]
	for _, c := range []byte(epoch) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'z') {
			return "", 0, false
		}
	}
	if digits == "" || digits[0] == '0' {
		return "", 0, false
	}
	seq, err := strconv.ParseUint(digits, 10, 64)
	if err != nil {
		return "", 0, false
	}
	return epoch, seq, true
}

func formatID(epoch string, seq uint64) string {
	return epoch + "-" + strconv.FormatUint(seq, 10)
}

// Published messages on a topic's channel begin with their kind: a frame
// ("f<id>\n<body>") or the notice that the topic was dropped ("d").
const (
	kindFrame = 'f'
	kindDrop  = 'd'
)

// appendScript adds a frame. KEYS: meta, stream. ARGV: an epoch for a new
// life, body, frames to keep, idle milliseconds (0: keep for good),
// channel. It returns the id. Being one script, it is atomic: ids are
// assigned, stored and published in one order for every process.
//
// A new life deletes the stream first, in case the meta hash expired
// before it: the stream's entry ids must grow.
var appendScript = redis.NewScript(`
if redis.call('HSETNX', KEYS[1], 'e', ARGV[1]) == 1 then
	redis.call('DEL', KEYS[2])
end
local epoch = redis.call('HGET', KEYS[1], 'e')
local seq = string.format('%d', redis.call('HINCRBY', KEYS[1], 's', 1))
local frames = tonumber(ARGV[3])
if frames > 0 then
	redis.call('XADD', KEYS[2], 'MAXLEN', frames, '0-' .. seq, 'b', ARGV[2])
else
	redis.call('DEL', KEYS[2])
end
local idle = tonumber(ARGV[4])
if idle > 0 then
	redis.call('PEXPIRE', KEYS[1], idle)
	redis.call('PEXPIRE', KEYS[2], idle)
else
	redis.call('PERSIST', KEYS[1])
	redis.call('PERSIST', KEYS[2])
end
local id = epoch .. '-' .. seq
redis.call('PUBLISH', ARGV[5], 'f' .. id .. '\n' .. ARGV[2])
return id
`)

// readScript reads frames. KEYS: meta, stream. ARGV: epoch and seq of the
// frame to read after (seq "" for none), limit. It returns {found, epoch,
// newest seq, entries}: epoch "" when the topic does not exist. The frame
// is found when it is of this life and nothing after it has been trimmed
// away (seq >= oldest retained - 1): then the entries follow it; else
// they are the oldest retained.
var readScript = redis.NewScript(`
local m = redis.call('HMGET', KEYS[1], 'e', 's')
local epoch = m[1]
if not epoch then
	return {0, '', 0, {}}
end
local newest = tonumber(m[2]) or 0
local limit = tonumber(ARGV[3])
local found = 0
local start = '-'
if ARGV[2] ~= '' and ARGV[1] == epoch then
	local after = tonumber(ARGV[2])
	if after <= newest then
		local oldest = newest + 1
		local head = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)
		if head[1] then
			oldest = tonumber(string.sub(head[1][1], 3))
		end
		if after >= oldest - 1 then
			found = 1
			if after == newest then
				return {1, epoch, newest, {}}
			end
			start = '(0-' .. string.format('%d', after)
		end
	end
end
if limit <= 0 then
	return {found, epoch, newest, {}}
end
return {found, epoch, newest, redis.call('XRANGE', KEYS[2], start, '+', 'COUNT', limit)}
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
	seq  uint64
	body string
}

// readResult is what readScript returns.
type readResult struct {
	found  bool
	epoch  string // "" when the topic does not exist
	newest uint64
	frames []stored
}

// read runs readScript for the frames after (epoch, seq); seq "" reads
// from the oldest.
func (b *Broker) read(ctx context.Context, n names, epoch, seq string, limit int) (readResult, error) {
	v, err := readScript.Run(ctx, b.client, []string{n.meta, n.stream}, epoch, seq, limit).Result()
	if err != nil {
		return readResult{}, err
	}
	r, ok := parseRead(v)
	if !ok {
		return readResult{}, fmt.Errorf("unexpected reply %v", v)
	}
	return r, nil
}

func parseRead(v any) (r readResult, ok bool) {
	a, ok := v.([]any)
	if !ok || len(a) != 4 {
		return r, false
	}
	found, ok1 := a[0].(int64)
	epoch, ok2 := a[1].(string)
	newest, ok3 := a[2].(int64)
	entries, ok4 := a[3].([]any)
	if !ok1 || !ok2 || !ok3 || !ok4 || newest < 0 {
		return r, false
	}
	r = readResult{found: found == 1, epoch: epoch, newest: uint64(newest), frames: make([]stored, 0, len(entries))}
	for _, e := range entries {
		// An entry is {"0-<seq>", {"b", body}}.
		entry, ok := e.([]any)
		if !ok || len(entry) != 2 {
			return r, false
		}
		id, ok1 := entry[0].(string)
		fields, ok2 := entry[1].([]any)
		if !ok1 || !ok2 || len(fields) != 2 {
			return r, false
		}
		body, ok3 := fields[1].(string)
		digits, ok4 := strings.CutPrefix(id, "0-")
		seq, err := strconv.ParseUint(digits, 10, 64)
		if !ok3 || !ok4 || err != nil {
			return r, false
		}
		r.frames = append(r.frames, stored{seq: seq, body: body})
	}
	return r, true
}

// idleMillis is keep.Idle for PEXPIRE: 0 keeps for good, and a positive
// duration is at least a millisecond.
func idleMillis(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return max(d.Milliseconds(), 1)
}
