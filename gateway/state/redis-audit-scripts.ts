import { LuaScript } from './redis-connection.ts';

/*
 * Group commit with compare-and-set. The client chains a whole batch on the head it believes current
 * (hashing happens in Node) and sends it in one script, which writes only if the head is still that one:
 * with several gateways appending to one Redis, at most one of them wins each head and the others
 * re-chain on the head the script hands back.
 *
 * KEYS[1] head ("<seq> <hash>", absent while the log is empty), KEYS[2] the stream, KEYS[3..] the index
 *   sorted sets this batch touches.
 * ARGV[1] the expected head ('' for an empty log), ARGV[2] the head after the batch, ARGV[3] record count,
 *   then per record: seq, record JSON, number of index sets, each as a position in KEYS.
 * Returns {1} when written, {0, current head} when the head had moved.
 */
export const APPEND_BATCH = new LuaScript(`
local head = redis.call('GET', KEYS[1]) or ''
if head ~= ARGV[1] then return {0, head} end
local i = 4
for _ = 1, tonumber(ARGV[3]) do
  local seq, json, indexes = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2])
  i = i + 3
  redis.call('XADD', KEYS[2], seq .. '-0', 'r', json)
  for _ = 1, indexes do
    redis.call('ZADD', KEYS[tonumber(ARGV[i])], seq, seq)
    i = i + 1
  end
end
redis.call('SET', KEYS[1], ARGV[2])
return {1}
`);

/*
 * One restricted page, newest first: walks the smallest of the index sets in KEYS[2..] downwards from the
 * bound and keeps the seqs present in all the others, fetching each kept record from the stream (KEYS[1]).
 * The walk stops after about ARGV[3] seqs so a very selective query cannot block Redis for long; the client
 * then calls again from where it stopped.
 *
 * ARGV[1] exclusive upper bound as a ZRANGEBYSCORE max ('+inf' or '(<seq>'), ARGV[2] records wanted,
 * ARGV[3] walk budget.
 * Returns {state, last seq examined, record JSON...}: state 'full' (wanted reached), 'end' (set exhausted)
 * or 'more' (budget spent).
 */
export const PAGE_FROM_INDEXES = new LuaScript(`
local driver, smallest = 2, nil
for k = 2, #KEYS do
  local size = redis.call('ZCARD', KEYS[k])
  if smallest == nil or size < smallest then driver, smallest = k, size end
end
local upper, want, budget = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local out = {'end', ''}
local found, examined = 0, 0
while examined < budget do
  local chunk = redis.call('ZREVRANGEBYSCORE', KEYS[driver], upper, '-inf', 'LIMIT', 0, 256)
  if #chunk == 0 then return out end
  for _, seq in ipairs(chunk) do
    examined = examined + 1
    out[2] = seq
    local member = true
    for k = 2, #KEYS do
      if k ~= driver and not redis.call('ZSCORE', KEYS[k], seq) then
        member = false
        break
      end
    end
    if member then
      local entry = redis.call('XRANGE', KEYS[1], seq .. '-0', seq .. '-0')[1]
      if entry then
        out[#out + 1] = entry[2][2]
        found = found + 1
        if found == want then
          out[1] = 'full'
          return out
        end
      end
    end
  end
  upper = '(' .. out[2]
end
out[1] = 'more'
return out
`);
