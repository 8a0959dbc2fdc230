// Drives govshare's CKAN action API with the ckan npm package (the Open
// Knowledge Foundation's ckan.js client), printing what it read as JSON:
//   node ckan-client.js http://127.0.0.1:PORT
const CKAN = require('ckan')

const client = new CKAN.Client(process.argv[2])
const call = (name, data) => new Promise(resolve => {
  client.action(name, data, (err, body) => resolve({ err: err ? String(err) : null, body }))
})

async function main () {
  const out = {}
  out.status = (await call('status_show', {})).body.result
  const list = await call('package_list', {})
  out.packages = list.body.result
  out.shown = []
  out.resources = []
  for (const name of out.packages) {
    const p = (await call('package_show', { id: name })).body.result
    out.shown.push({ name: p.name, title: p.title, org: p.organization.name, resources: p.resources.map(r => r.id), license: p.license_id })
    for (const r of p.resources) {
      const res = (await call('resource_show', { id: r.id })).body.result
      out.resources.push({ id: res.id, format: res.format, url: res.url })
    }
  }
  const search = (await call('package_search', { q: '停车', rows: 5, 'facet.field': ['organization', 'res_format'] })).body.result
  out.search = { count: search.count, names: search.results.map(p => p.name), facets: search.facets }
  const filtered = (await call('package_search', { fq: 'res_format:CSV', rows: 100 })).body.result
  out.filtered = filtered.results.map(p => p.name)
  const paged = (await call('package_search', { rows: 2, start: 1, sort: 'name asc' })).body.result
  out.paged = paged.results.map(p => p.name)
  out.current = (await call('current_package_list_with_resources', { limit: 100 })).body.result.map(p => p.name)
  out.orgs = (await call('organization_list', {})).body.result
  out.org = (await call('organization_show', { id: out.orgs[0], include_datasets: true })).body.result
  out.groups = (await call('group_list', { all_fields: true })).body.result.map(g => [g.name, g.package_count])
  out.tags = (await call('tag_list', {})).body.result
  const bad = await call('package_search', { q: 'title:停车 AND notes:*' })
  out.solrError = { err: bad.err, body: bad.body }
  const missing = await call('package_show', { id: 'no-such-dataset' })
  out.missing = { err: missing.err, body: missing.body }
  console.log(JSON.stringify(out))
}

main().catch(e => { console.error(e); process.exit(1) })
