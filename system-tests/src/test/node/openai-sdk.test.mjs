// The official OpenAI Node SDK against a running broker and connector, as a user would call it.
// ClientsIT starts the product, runs `npm ci` in a copy of this folder, then `node --test` here
// with the broker's base URL, a user key and the model the fake LLM behind the connector serves.
// The SDK sends `Accept: application/json` on every call, streams included (issue 10).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import OpenAI from 'openai';

const baseURL = process.env.REMOTELLM_BASE_URL;
const apiKey = process.env.REMOTELLM_USER_KEY;
const model = process.env.REMOTELLM_MODEL;
const chunks = Number(process.env.REMOTELLM_CHUNKS);
assert.ok(baseURL && apiKey && model && chunks > 0,
  'needs REMOTELLM_BASE_URL, REMOTELLM_USER_KEY, REMOTELLM_MODEL, REMOTELLM_CHUNKS');

const expected = Array.from({ length: chunks }, (_, i) => `tok${i} `).join('');
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 30_000 });
const messages = [{ role: 'user', content: 'Hello from Node' }];

test('models: list and retrieve', async () => {
  const ids = [];
  for await (const m of client.models.list()) {
    ids.push(m.id);
  }
  assert.deepEqual(ids, [model]);
  assert.equal((await client.models.retrieve(model)).id, model);
});

test('chat', async () => {
  const completion = await client.chat.completions.create({ model, messages });
  assert.equal(completion.object, 'chat.completion');
  assert.equal(completion.choices[0].message.content.includes(expected), true,
    completion.choices[0].message.content);
  assert.ok(completion.usage.total_tokens > 0);
});

test('streamed chat with usage', async () => {
  const stream = await client.chat.completions.create({
    model, messages, stream: true, stream_options: { include_usage: true },
  });
  let text = '';
  const usage = [];
  for await (const chunk of stream) {
    for (const choice of chunk.choices) {
      text += choice.delta?.content ?? '';
    }
    if (chunk.usage) {
      usage.push(chunk.usage);
    }
  }
  assert.equal(text, expected);
  assert.equal(usage.length, 1);
  assert.ok(usage[0].total_tokens > 0);
});

test('a wrong key is 401 (AuthenticationError)', async () => {
  const intruder = new OpenAI({ baseURL, apiKey: 'sk-wrong-key', maxRetries: 0 });
  await assert.rejects(intruder.models.list(), (e) => {
    assert.ok(e instanceof OpenAI.AuthenticationError, String(e));
    assert.equal(e.status, 401);
    assert.equal(e.code, 'invalid_api_key');
    return true;
  });
  await assert.rejects(
    intruder.chat.completions.create({ model, messages, stream: true }),
    (e) => e instanceof OpenAI.AuthenticationError && e.status === 401);
});

test('an unknown model is 404 (NotFoundError)', async () => {
  for (const stream of [false, true]) {
    await assert.rejects(
      client.chat.completions.create({ model: 'no-such-model', messages, stream }), (e) => {
        assert.ok(e instanceof OpenAI.NotFoundError, String(e));
        assert.equal(e.status, 404);
        assert.equal(e.code, 'model_not_found');
        return true;
      });
  }
  await assert.rejects(client.models.retrieve('no-such-model'),
    (e) => e instanceof OpenAI.NotFoundError && e.status === 404);
});
