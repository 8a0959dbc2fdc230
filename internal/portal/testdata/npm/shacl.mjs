// Validates an RDF document (Turtle or JSON-LD) against SHACL shapes in
// Turtle with rdf-validate-shacl, printing the report as JSON:
//   node shacl.mjs SHAPES.ttl DATA ttl|jsonld
import fs from 'node:fs'
import { createRequire } from 'node:module'
import SHACLValidator from 'rdf-validate-shacl'
import rdf from '@rdfjs/dataset'

const require = createRequire(import.meta.url)
const N3 = require('n3')
const jsonld = require('jsonld')

async function parse (text, format) {
  if (format === 'jsonld') {
    const nquads = await jsonld.toRDF(JSON.parse(text), { format: 'application/n-quads' })
    return new N3.Parser({ format: 'N-Quads' }).parse(nquads)
  }
  return new N3.Parser({ format: 'Turtle' }).parse(text)
}

const [shapesFile, dataFile, format] = process.argv.slice(2)
const shapes = await parse(fs.readFileSync(shapesFile, 'utf8'), 'ttl')
const quads = await parse(fs.readFileSync(dataFile, 'utf8'), format)
const validator = new SHACLValidator(rdf.dataset(shapes))
const report = await validator.validate(rdf.dataset(quads))
const triples = quads.map(q => [q.subject.value, q.predicate.value, q.object.termType, q.object.value, q.object.language || '', q.object.datatype ? q.object.datatype.value : ''])
console.log(JSON.stringify({
  conforms: report.conforms,
  triples,
  results: report.results.map(r => ({
    focus: r.focusNode && r.focusNode.value,
    path: r.path && r.path.value,
    severity: r.severity && r.severity.value,
    message: r.message.map(m => m.value),
    constraint: r.sourceConstraintComponent && r.sourceConstraintComponent.value
  }))
}))
