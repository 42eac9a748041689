package readme

import (
	"github.com/redis/go-redis/v9"

	"github.com/godanet/godanet/redisbroker"
	"github.com/godanet/godanet/sse"
)

// readme:begin redis

func NewHub(client redis.UniversalClient) *sse.Hub {
	return sse.NewHub(sse.WithBroker(redisbroker.New(client)))
}

// readme:end
