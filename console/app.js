// Gatehouse console: a small single-page app over the public API. Every call goes to the same
// /kafka/v3, /iam/v2, /org/v2 and /cmk/v2 endpoints scripts use, with the signed-in person's session
// cookie, so the console can do exactly what that person may do. Plain ES modules, no build step.
// Text is always set with textContent (never innerHTML), so API data cannot inject markup.

const state = { session: undefined, csrf: '' }

/** Builds an element: h('a', { href: '#/x' }, 'text', child). */
function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value)
    else if (value === true) element.setAttribute(name, '')
    else element.setAttribute(name, String(value))
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue
    element.append(child instanceof Node ? child : document.createTextNode(String(child)))
  }
  return element
}

const main = () => document.getElementById('main')
const setStatus = (text) => (document.getElementById('status').textContent = text)

function showError(error) {
  const box = document.getElementById('error')
  if (!error) {
    box.hidden = true
    box.textContent = ''
    return
  }
  box.hidden = false
  box.textContent = error instanceof ApiError ? error.display() : String(error.message ?? error)
  box.focus?.()
}

class ApiError extends Error {
  constructor(status, body) {
    super(`HTTP ${status}`)
    this.status = status
    this.body = body
  }
  /** The API's own words: control-plane `errors[]` or Kafka REST `{error_code, message}`. */
  display() {
    const body = this.body
    if (body && Array.isArray(body.errors) && body.errors.length > 0) {
      return body.errors
        .map(
          (error) =>
            `${error.status ?? this.status} ${error.code ?? ''}: ${error.detail ?? error.title ?? ''}`,
        )
        .join('\n')
    }
    if (body && typeof body.message === 'string')
      return `${this.status} (${body.error_code}): ${body.message}`
    return `HTTP ${this.status}`
  }
}

/** Calls the public API with the session cookie and, for changes, the CSRF token. */
async function api(method, path, body) {
  const headers = { accept: 'application/json' }
  if (body !== undefined) headers['content-type'] = 'application/json'
  if (method !== 'GET') headers['x-csrf-token'] = state.csrf
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await response.text()
  let parsed
  try {
    parsed = text === '' ? undefined : JSON.parse(text)
  } catch {
    parsed = undefined
  }
  if (response.status === 401 && path !== '/console/auth/session') {
    renderSignIn('Your session has ended. Sign in again.')
    throw new ApiError(401, parsed)
  }
  if (!response.ok) throw new ApiError(response.status, parsed)
  return parsed
}

/** Runs a long or changing operation: disables the button, shows progress, shows API errors as given. */
async function act(button, label, work) {
  showError(undefined)
  if (button) button.disabled = true
  setStatus(`${label}…`)
  try {
    const result = await work()
    setStatus(`${label}: done.`)
    return result
  } catch (error) {
    setStatus(`${label}: failed.`)
    showError(error)
    return undefined
  } finally {
    if (button) button.disabled = false
  }
}

function field(label, name, attributes = {}) {
  return h('label', {}, label, h('input', { name, ...attributes }))
}

function table(headers, rows) {
  if (rows.length === 0) return h('p', { class: 'muted' }, 'Nothing to show.')
  return h(
    'table',
    {},
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        headers.map((header) => h('th', { scope: 'col' }, header)),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((cells) =>
        h(
          'tr',
          {},
          cells.map((cell) => h('td', {}, cell)),
        ),
      ),
    ),
  )
}

function section(title, ...children) {
  return h('section', { 'aria-labelledby': slug(title) }, h('h2', { id: slug(title) }, title), ...children)
}

const slug = (text) => text.toLowerCase().replace(/[^a-z0-9]+/g, '-')

async function loadInto(container, loader) {
  container.replaceChildren(h('p', { class: 'muted' }, 'Loading…'))
  try {
    container.replaceChildren(...[await loader()].flat())
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return
    container.replaceChildren(
      h('p', { class: 'error', role: 'alert' }, error instanceof ApiError ? error.display() : String(error)),
    )
  }
}

function page(title, ...children) {
  document.title = `${title} · Gatehouse`
  main().replaceChildren(h('h1', {}, title), ...children)
  main().focus()
}

async function organizationCrn() {
  const organizations = await api('GET', '/org/v2/organizations')
  return `crn://confluent.cloud/organization=${organizations.data[0].id}`
}

// --- Pages ---------------------------------------------------------------------------------------

async function clustersPage() {
  const list = h('div')
  const environments = h('div')
  page('Clusters', section('Kafka clusters', list), section('Environments', environments))
  await loadInto(list, async () => {
    const clusters = await api('GET', '/cmk/v2/clusters?page_size=100')
    return table(
      ['Cluster', 'Name', 'Environment', ''],
      clusters.data.map((cluster) => [
        cluster.id,
        cluster.spec.display_name,
        cluster.spec.environment.id,
        h('a', { href: `#/clusters/${encodeURIComponent(cluster.id)}` }, 'Topics and groups'),
      ]),
    )
  })
  await loadInto(environments, async () => {
    const found = await api('GET', '/org/v2/environments?page_size=100')
    return table(
      ['Environment', 'Name'],
      found.data.map((environment) => [environment.id, environment.display_name]),
    )
  })
}

async function clusterPage(clusterId) {
  const base = `/kafka/v3/clusters/${encodeURIComponent(clusterId)}`
  const topics = h('div')
  const groups = h('div')
  const acls = h('div')
  const detail = h('div')
  const refreshTopics = () =>
    loadInto(topics, async () => {
      const found = await api('GET', `${base}/topics`)
      return table(
        ['Topic', 'Partitions', 'Replication', ''],
        found.data.map((topic) => [
          topic.topic_name,
          topic.partitions_count,
          topic.replication_factor,
          h(
            'button',
            { type: 'button', onclick: () => topicDetail(topic.topic_name) },
            `Details of ${topic.topic_name}`,
          ),
        ]),
      )
    })
  const topicDetail = (name) =>
    loadInto(detail, async () => {
      const topicBase = `${base}/topics/${encodeURIComponent(name)}`
      const [configs, partitions] = await Promise.all([
        api('GET', `${topicBase}/configs`),
        api('GET', `${topicBase}/partitions`),
      ])
      const produceForm = h(
        'form',
        {
          class: 'inline',
          onsubmit: async (event) => {
            event.preventDefault()
            const form = new FormData(event.target)
            const report = await act(event.submitter, `Producing to ${name}`, () =>
              api('POST', `${topicBase}/records`, {
                ...(form.get('key') ? { key: { type: 'STRING', data: form.get('key') } } : {}),
                value: { type: 'STRING', data: form.get('value') },
              }),
            )
            if (report) setStatus(`Produced to partition ${report.partition_id} at offset ${report.offset}.`)
          },
        },
        field('Key', 'key'),
        field('Value', 'value', { required: true }),
        h('button', { type: 'submit' }, 'Produce test record'),
      )
      return [
        h('h3', {}, `Topic ${name}`),
        produceForm,
        h('h4', {}, 'Partitions'),
        table(
          ['Partition', 'Leader'],
          partitions.data.map((p) => [p.partition_id, p.leader?.related?.split('/').pop() ?? '—']),
        ),
        h('h4', {}, 'Configs'),
        table(
          ['Name', 'Value', 'Source'],
          configs.data.map((config) => [config.name, config.value ?? '', config.source]),
        ),
      ]
    })
  const createForm = h(
    'form',
    {
      class: 'inline',
      onsubmit: async (event) => {
        event.preventDefault()
        const form = new FormData(event.target)
        const created = await act(event.submitter, 'Creating topic', () =>
          api('POST', `${base}/topics`, {
            topic_name: form.get('topic_name'),
            ...(form.get('partitions_count')
              ? { partitions_count: Number(form.get('partitions_count')) }
              : {}),
          }),
        )
        if (created) {
          event.target.reset()
          await refreshTopics()
        }
      },
    },
    field('Topic name', 'topic_name', { required: true }),
    field('Partitions', 'partitions_count', { type: 'number', min: 1, max: 10000 }),
    h('button', { type: 'submit' }, 'Create topic'),
  )
  page(
    `Cluster ${clusterId}`,
    h('p', {}, h('a', { href: '#/clusters' }, '← All clusters')),
    section('Topics', createForm, topics, detail),
    section('Consumer groups', groups),
    section('ACLs', acls),
  )
  await refreshTopics()
  await loadInto(groups, async () => {
    const found = await api('GET', `${base}/consumer-groups`)
    const rows = []
    for (const group of found.data) {
      let lag = '—'
      try {
        const summary = await api(
          'GET',
          `${base}/consumer-groups/${encodeURIComponent(group.consumer_group_id)}/lag-summary`,
        )
        lag = String(summary.total_lag)
      } catch {
        lag = 'unavailable'
      }
      rows.push([group.consumer_group_id, group.state, lag])
    }
    return table(['Group', 'State', 'Total lag'], rows)
  })
  await loadInto(acls, async () => {
    const found = await api('GET', `${base}/acls`)
    return table(
      ['Principal', 'Resource', 'Pattern', 'Operation', 'Permission'],
      found.data.map((acl) => [
        acl.principal,
        `${acl.resource_type}:${acl.resource_name}`,
        acl.pattern_type,
        acl.operation,
        acl.permission,
      ]),
    )
  })
}

async function serviceAccountsPage() {
  const list = h('div')
  const refresh = () =>
    loadInto(list, async () => {
      const found = await api('GET', '/iam/v2/service-accounts?page_size=100')
      return table(
        ['Id', 'Name', 'Description', ''],
        found.data.map((account) => [
          account.id,
          account.display_name,
          account.description,
          h(
            'button',
            {
              type: 'button',
              onclick: async (event) => {
                if (!confirm(`Delete ${account.display_name} and its API keys?`)) return
                await act(event.target, 'Deleting service account', () =>
                  api('DELETE', `/iam/v2/service-accounts/${account.id}`),
                )
                await refresh()
              },
            },
            `Delete ${account.display_name}`,
          ),
        ]),
      )
    })
  const form = h(
    'form',
    {
      class: 'inline',
      onsubmit: async (event) => {
        event.preventDefault()
        const data = new FormData(event.target)
        const created = await act(event.submitter, 'Creating service account', () =>
          api('POST', '/iam/v2/service-accounts', {
            display_name: data.get('display_name'),
            description: data.get('description') ?? '',
          }),
        )
        if (created) {
          setStatus(`Created service account ${created.id}.`)
          event.target.reset()
          await refresh()
        }
      },
    },
    field('Name', 'display_name', { required: true }),
    field('Description', 'description'),
    h('button', { type: 'submit' }, 'Create service account'),
  )
  page('Service accounts', section('New service account', form), section('All service accounts', list))
  await refresh()
}

async function apiKeysPage() {
  const list = h('div')
  const secretBox = h('div', { 'aria-live': 'polite' })
  const owners = h('datalist', { id: 'owners' })
  const ownerInput = h('input', { name: 'owner', required: true, list: 'owners', placeholder: 'sa-… or u-…' })
  const resourceSelect = h(
    'select',
    { name: 'resource' },
    h('option', { value: '' }, 'Management API (no cluster)'),
  )
  const refresh = () =>
    loadInto(list, async () => {
      const found = await api('GET', '/iam/v2/api-keys?page_size=100')
      return table(
        ['Key', 'Name', 'Owner', 'Resource', ''],
        found.data.map((key) => [
          key.id,
          key.spec.display_name,
          key.spec.owner.id,
          key.spec.resource?.id ?? 'management',
          h(
            'button',
            {
              type: 'button',
              onclick: async (event) => {
                if (!confirm(`Delete API key ${key.id}?`)) return
                await act(event.target, 'Deleting API key', () => api('DELETE', `/iam/v2/api-keys/${key.id}`))
                await refresh()
              },
            },
            `Delete ${key.id}`,
          ),
        ]),
      )
    })
  const form = h(
    'form',
    {
      class: 'inline',
      onsubmit: async (event) => {
        event.preventDefault()
        const data = new FormData(event.target)
        const [clusterId, environmentId] = String(data.get('resource') ?? '').split('|')
        const created = await act(event.submitter, 'Creating API key', () =>
          api('POST', '/iam/v2/api-keys', {
            spec: {
              display_name: data.get('display_name'),
              description: '',
              owner: { id: data.get('owner') },
              ...(clusterId ? { resource: { id: clusterId, environment: environmentId } } : {}),
            },
          }),
        )
        if (created) {
          showSecret(secretBox, created.id, created.spec.secret)
          event.target.reset()
          await refresh()
        }
      },
    },
    field('Name', 'display_name', { required: true }),
    h('label', {}, 'Owner', ownerInput),
    owners,
    h('label', {}, 'Resource', resourceSelect),
    h('button', { type: 'submit' }, 'Create API key'),
  )
  page('API keys', section('New API key', form, secretBox), section('API keys', list))
  ownerInput.value = state.session.user_id
  owners.append(h('option', { value: state.session.user_id }, 'Me'))
  try {
    const accounts = await api('GET', '/iam/v2/service-accounts?page_size=100')
    for (const account of accounts.data)
      ownerSelect.append(h('option', { value: account.id }, `${account.display_name} (${account.id})`))
  } catch {
    // Not allowed to list service accounts: only own keys.
  }
  try {
    const clusters = await api('GET', '/cmk/v2/clusters?page_size=100')
    for (const cluster of clusters.data)
      resourceSelect.append(
        h(
          'option',
          { value: `${cluster.id}|${cluster.spec.environment.id}` },
          `Cluster ${cluster.spec.display_name} (${cluster.id})`,
        ),
      )
  } catch {
    // No clusters to show.
  }
  await refresh()
}

/** The secret, shown once, with a copy button. */
function showSecret(container, keyId, secret) {
  const code = h('code', { id: 'new-secret' }, secret)
  const copy = h(
    'button',
    {
      type: 'button',
      onclick: async () => {
        try {
          await navigator.clipboard.writeText(secret)
          copy.textContent = 'Copied'
        } catch {
          const range = document.createRange()
          range.selectNodeContents(code)
          getSelection().removeAllRanges()
          getSelection().addRange(range)
          copy.textContent = 'Selected: press Ctrl+C'
        }
      },
    },
    'Copy secret',
  )
  container.replaceChildren(
    h(
      'div',
      { class: 'secret', role: 'region', 'aria-label': 'New API key' },
      h('p', {}, h('strong', {}, 'Copy the secret now: it is shown only once.')),
      h('p', {}, 'Key: ', h('code', { id: 'new-key' }, keyId)),
      h('p', {}, 'Secret: ', code, ' ', copy),
      h('button', { type: 'button', onclick: () => container.replaceChildren() }, 'I have stored it'),
    ),
  )
  copy.focus()
}

async function groupMappingsPage() {
  const list = h('div')
  const refresh = () =>
    loadInto(list, async () => {
      const found = await api('GET', '/iam/v2/sso/group-mappings?page_size=100')
      return table(
        ['Id (principal User:…)', 'Name', 'Filter', ''],
        found.data.map((mapping) => [
          mapping.id,
          mapping.display_name,
          h('code', {}, mapping.filter),
          h(
            'button',
            {
              type: 'button',
              onclick: async (event) => {
                if (!confirm(`Delete group mapping ${mapping.display_name} and its role bindings?`)) return
                await act(event.target, 'Deleting group mapping', () =>
                  api('DELETE', `/iam/v2/sso/group-mappings/${mapping.id}`),
                )
                await refresh()
              },
            },
            `Delete ${mapping.display_name}`,
          ),
        ]),
      )
    })
  const form = h(
    'form',
    {
      class: 'inline',
      onsubmit: async (event) => {
        event.preventDefault()
        const data = new FormData(event.target)
        const created = await act(event.submitter, 'Creating group mapping', () =>
          api('POST', '/iam/v2/sso/group-mappings', {
            display_name: data.get('display_name'),
            description: data.get('description') ?? '',
            filter: data.get('filter'),
          }),
        )
        if (created) {
          setStatus(`Created group mapping ${created.id}; bind roles to User:${created.id}.`)
          event.target.reset()
          await refresh()
        }
      },
    },
    field('Name', 'display_name', { required: true }),
    field('Description', 'description'),
    field('Filter', 'filter', { required: true, placeholder: '"engineering" in groups', size: 40 }),
    h('button', { type: 'submit' }, 'Create group mapping'),
  )
  page('Group mappings', section('New group mapping', form), section('Group mappings', list))
  await refresh()
}

async function roleBindingsPage() {
  const list = h('div')
  let crn = ''
  const refresh = () =>
    loadInto(list, async () => {
      crn ||= await organizationCrn()
      const found = await api(
        'GET',
        `/iam/v2/role-bindings?page_size=100&crn_pattern=${encodeURIComponent(crn)}`,
      )
      return table(
        ['Principal', 'Role', 'CRN pattern', ''],
        found.data.map((binding) => [
          binding.principal,
          binding.role_name,
          h('code', {}, binding.crn_pattern),
          h(
            'button',
            {
              type: 'button',
              onclick: async (event) => {
                await act(event.target, 'Deleting role binding', () =>
                  api('DELETE', `/iam/v2/role-bindings/${binding.id}`),
                )
                await refresh()
              },
            },
            `Delete ${binding.id}`,
          ),
        ]),
      )
    })
  const form = h(
    'form',
    {
      class: 'inline',
      onsubmit: async (event) => {
        event.preventDefault()
        const data = new FormData(event.target)
        const created = await act(event.submitter, 'Creating role binding', () =>
          api('POST', '/iam/v2/role-bindings', {
            principal: data.get('principal'),
            role_name: data.get('role_name'),
            crn_pattern: data.get('crn_pattern'),
          }),
        )
        if (created) await refresh()
      },
    },
    field('Principal', 'principal', { required: true, placeholder: 'User:group-…' }),
    field('Role', 'role_name', { required: true, placeholder: 'CloudClusterAdmin' }),
    field('CRN pattern', 'crn_pattern', { required: true, size: 60 }),
    h('button', { type: 'submit' }, 'Create role binding'),
  )
  page('Role bindings', section('New role binding', form), section('Role bindings of the organization', list))
  await refresh()
}

async function identityProvidersPage() {
  const list = h('div')
  const dryRunResult = h('pre', { 'aria-live': 'polite' })
  page('Identity providers', section('Providers and pools', list))
  await loadInto(list, async () => {
    const providers = await api('GET', '/iam/v2/identity-providers?page_size=100')
    const blocks = []
    for (const provider of providers.data) {
      const pools = await api('GET', `/iam/v2/identity-providers/${provider.id}/identity-pools?page_size=100`)
      const form = h(
        'form',
        {
          onsubmit: async (event) => {
            event.preventDefault()
            const text = new FormData(event.target).get('input').trim()
            let body
            if (text.startsWith('{')) {
              try {
                body = { claims: JSON.parse(text) }
              } catch {
                showError('The claims are not valid JSON.')
                return
              }
            } else body = { token: text }
            const result = await act(event.submitter, 'Running the filter dry run', () =>
              api('POST', `/iam/v2/identity-providers/${provider.id}/identity-pools:match`, body),
            )
            if (result) dryRunResult.textContent = JSON.stringify(result, null, 2)
          },
        },
        h(
          'label',
          {},
          'A token or its claims (JSON) for the dry run',
          h('textarea', { name: 'input', required: true }),
        ),
        h('button', { type: 'submit' }, `Dry run against ${provider.display_name}`),
      )
      blocks.push(
        h('h3', {}, `${provider.display_name} (${provider.id})`),
        h('p', { class: 'muted' }, provider.issuer),
        table(
          ['Pool', 'Name', 'Filter'],
          pools.data.map((pool) => [pool.id, pool.display_name, h('code', {}, pool.filter)]),
        ),
        form,
      )
    }
    return blocks.length > 0
      ? [...blocks, dryRunResult]
      : h('p', { class: 'muted' }, 'No identity providers.')
  })
}

async function invitationsPage() {
  const list = h('div')
  const refresh = () =>
    loadInto(list, async () => {
      const found = await api('GET', '/iam/v2/invitations?page_size=100')
      return table(
        ['Id', 'Email', 'Status'],
        found.data.map((invitation) => [invitation.id, invitation.email, invitation.status]),
      )
    })
  const form = h(
    'form',
    {
      class: 'inline',
      onsubmit: async (event) => {
        event.preventDefault()
        const created = await act(event.submitter, 'Inviting', () =>
          api('POST', '/iam/v2/invitations', { email: new FormData(event.target).get('email') }),
        )
        if (created) await refresh()
      },
    },
    field('Email', 'email', { type: 'email', required: true }),
    h('button', { type: 'submit' }, 'Invite'),
  )
  page('Invitations', section('Invite a person', form), section('Invitations', list))
  await refresh()
}

async function certificateAuthoritiesPage() {
  const list = h('div')
  const refresh = () =>
    loadInto(list, async () => {
      const authorities = await api('GET', '/iam/v2/certificate-authorities?page_size=100')
      const blocks = []
      for (const authority of authorities.data) {
        const pools = await api(
          'GET',
          `/iam/v2/certificate-authorities/${authority.id}/identity-pools?page_size=100`,
        )
        const poolForm = h(
          'form',
          {
            class: 'inline',
            onsubmit: async (event) => {
              event.preventDefault()
              const data = new FormData(event.target)
              const created = await act(event.submitter, 'Creating certificate identity pool', () =>
                api('POST', `/iam/v2/certificate-authorities/${authority.id}/identity-pools`, {
                  display_name: data.get('display_name'),
                  external_identifier: data.get('external_identifier'),
                  filter: data.get('filter'),
                }),
              )
              if (created) await refresh()
            },
          },
          field('Pool name', 'display_name', { required: true }),
          field('External identifier', 'external_identifier', { required: true, value: 'CN', size: 8 }),
          field('Filter', 'filter', { required: true, size: 40, placeholder: 'CN.startsWith("orders-")' }),
          h('button', { type: 'submit' }, `Add a pool to ${authority.display_name}`),
        )
        blocks.push(
          h('h3', {}, `${authority.display_name} (${authority.id})`),
          h(
            'p',
            { class: 'muted' },
            `CRL: ${authority.crl_source ?? 'none'}${authority.crl_updated_at ? `, updated ${authority.crl_updated_at}` : ''}; ` +
              `expires ${authority.expiration_dates.join(', ')}`,
          ),
          table(
            ['Pool', 'Name', 'External identifier', 'Filter'],
            pools.data.map((pool) => [
              pool.id,
              pool.display_name,
              pool.external_identifier,
              h('code', {}, pool.filter),
            ]),
          ),
          poolForm,
          h(
            'button',
            {
              type: 'button',
              onclick: async (event) => {
                const deleted = await act(event.target, 'Deleting certificate authority', () =>
                  api('DELETE', `/iam/v2/certificate-authorities/${authority.id}`),
                )
                if (deleted) await refresh()
              },
            },
            `Delete ${authority.display_name}`,
          ),
        )
      }
      return blocks.length > 0 ? blocks : h('p', { class: 'muted' }, 'No certificate authorities.')
    })
  const form = h(
    'form',
    {
      onsubmit: async (event) => {
        event.preventDefault()
        const data = new FormData(event.target)
        const crl = data.get('crl_chain').trim()
        const created = await act(event.submitter, 'Registering certificate authority', () =>
          api('POST', '/iam/v2/certificate-authorities', {
            display_name: data.get('display_name'),
            certificate_chain: data.get('certificate_chain'),
            certificate_chain_filename: data.get('certificate_chain_filename'),
            ...(crl === '' ? {} : { crl_chain: crl }),
          }),
        )
        if (created) {
          event.target.reset()
          await refresh()
        }
      },
    },
    field('Name', 'display_name', { required: true }),
    field('Chain file name', 'certificate_chain_filename', { required: true, value: 'chain.pem' }),
    h(
      'label',
      {},
      'CA certificates (PEM, 1 to 4)',
      h('textarea', { name: 'certificate_chain', required: true, rows: 6 }),
    ),
    h('label', {}, 'CRL (PEM, optional)', h('textarea', { name: 'crl_chain', rows: 3 })),
    h('button', { type: 'submit' }, 'Register certificate authority'),
  )
  page(
    'Certificate authorities',
    section('Register a certificate authority', form),
    section('Certificate authorities and their pools', list),
  )
  await refresh()
}

async function auditPage() {
  const results = h('div')
  const form = h(
    'form',
    {
      class: 'inline',
      onsubmit: async (event) => {
        event.preventDefault()
        const data = new FormData(event.target)
        const query = new URLSearchParams({ page_size: '200' })
        const minutes = Number(data.get('minutes'))
        if (minutes > 0) query.set('since', new Date(Date.now() - minutes * 60_000).toISOString())
        for (const name of ['principal', 'decision']) {
          const value = String(data.get(name) ?? '').trim()
          if (value !== '') query.set(name, value)
        }
        const found = await act(event.submitter, 'Reading the audit log', () =>
          api('GET', `/gatehouse/v1/audit-events?${query.toString()}`),
        )
        if (!found) return
        results.replaceChildren(
          found.metadata.is_truncated
            ? h('p', { class: 'muted' }, 'More records match: narrow the filters or the time range.')
            : '',
          table(
            ['Time', 'Type', 'Decision', 'Principals', 'Request', 'Resource'],
            found.data.map((event) => [
              event.time,
              event.type.replace('io.gatehouse.', ''),
              event.data.decision,
              (event.data.principals ?? []).join(', '),
              `${event.data.request.method} ${event.data.request.path}`,
              event.data.resource ?? '',
            ]),
          ),
        )
      },
    },
    field('Last minutes', 'minutes', { type: 'number', min: 1, value: 60, size: 5 }),
    field('Principal', 'principal', { placeholder: 'User:sa-…' }),
    h(
      'label',
      {},
      'Decision',
      h(
        'select',
        { name: 'decision' },
        h('option', { value: '' }, 'any'),
        h('option', {}, 'ALLOWED'),
        h('option', {}, 'DENIED'),
      ),
    ),
    h('button', { type: 'submit' }, 'Show records'),
  )
  page('Audit log', section('Authentication and authorization decisions', form, results))
}

// --- Sign-in, routing ----------------------------------------------------------------------------

function renderSignIn(message) {
  document.getElementById('nav').hidden = true
  document.getElementById('sign-out').hidden = true
  document.getElementById('who').textContent = ''
  state.session = undefined
  const returnTo = `/console/${location.hash}`
  page(
    'Sign in',
    message ? h('p', { role: 'alert' }, message) : '',
    h('p', {}, 'Sign in with your organization’s identity provider.'),
    h(
      'p',
      {},
      h(
        'a',
        {
          href: `/console/auth/sign-in?return_to=${encodeURIComponent(returnTo)}`,
          class: 'button',
          id: 'sign-in',
        },
        'Sign in with SSO',
      ),
    ),
  )
}

const routes = [
  [/^#\/clusters\/([^/]+)$/, (id) => clusterPage(decodeURIComponent(id))],
  [/^#\/clusters$/, clustersPage],
  [/^#\/service-accounts$/, serviceAccountsPage],
  [/^#\/api-keys$/, apiKeysPage],
  [/^#\/group-mappings$/, groupMappingsPage],
  [/^#\/role-bindings$/, roleBindingsPage],
  [/^#\/identity-providers$/, identityProvidersPage],
  [/^#\/invitations$/, invitationsPage],
  [/^#\/certificate-authorities$/, certificateAuthoritiesPage],
  [/^#\/audit$/, auditPage],
]

async function route() {
  if (!state.session) return
  showError(undefined)
  setStatus('')
  const hash = location.hash || '#/clusters'
  for (const link of document.querySelectorAll('#nav a'))
    link.toggleAttribute('aria-current', hash.startsWith(link.getAttribute('href')))
  for (const link of document.querySelectorAll('#nav a[aria-current]'))
    link.setAttribute('aria-current', 'page')
  for (const [pattern, render] of routes) {
    const match = pattern.exec(hash)
    if (match) return render(...match.slice(1))
  }
  page('Not found', h('p', {}, 'No such page. ', h('a', { href: '#/clusters' }, 'Go to clusters')))
}

async function start() {
  try {
    state.session = await api('GET', '/console/auth/session')
  } catch {
    renderSignIn()
    return
  }
  state.csrf = state.session.csrf_token
  document.getElementById('nav').hidden = false
  document.getElementById('who').textContent =
    `Signed in as ${state.session.email || state.session.user_id} (${state.session.user_id})`
  const signOut = document.getElementById('sign-out')
  signOut.hidden = false
  signOut.onclick = async () => {
    const result = await act(signOut, 'Signing out', () => api('POST', '/console/auth/sign-out'))
    if (result) location.assign(result.redirect_url)
  }
  await route()
}

window.addEventListener('hashchange', () => void route())
void start()
