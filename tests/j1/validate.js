#!/usr/bin/env node
// Validate graph objects against @jupiterone/data-model, the way JupiterOne's SDK does.
//
//   node validate.js validate FILE   FILE holds {"entities": [...], "relationships": [...]};
//                                     prints {"entities": [failures], "relationships": [failures]}
//   node validate.js required        prints {class: {property: nullable}} for every class schema
//
// Entities: as integration-sdk-entity-validator's EntityValidator (an Ajv instance with
// strictSchema false and allErrors, the data model's formats and class schemas): the `_type`'s
// schema when the package has one, else every `_class`'s; a class without a schema is an error.
// Relationships: as integration-sdk-testing's toMatchDirectRelationshipSchema (GraphObject, and
// every other property a boolean, number, string or null).
// `tag.*` property names: the data model's propertyNames pattern rejects keys that AWS allows
// (`tag.aws:cloudformation:stack-name`) and that the SDK's assignTags writes all the same; those
// pattern errors are left out, and reported apart as `tagNames` so the caller can check them.
'use strict';

const fs = require('fs');
const path = require('path');

const dataModelPath = path.dirname(require.resolve('@jupiterone/data-model/package.json'));
const dataModel = require('@jupiterone/data-model');
const Ajv = require(require.resolve('ajv', { paths: [dataModelPath] })).default;

function newAjv() {
  const ajv = new Ajv({ strictSchema: false, allErrors: true });
  dataModel.registerFormats(ajv);
  dataModel.registerSchemas(ajv);
  return ajv;
}

const DIRECT_RELATIONSHIP = {
  $id: '#GraphAwsDirectRelationship',
  type: 'object',
  allOf: [
    { $ref: '#GraphObject' },
    {
      additionalProperties: {
        anyOf: [
          { type: 'boolean' },
          { type: 'integer' },
          { type: 'null' },
          { type: 'number' },
          { type: 'string' },
        ],
      },
    },
  ],
};

function tagNameError(error) {
  const name = error.propertyName || (error.params && error.params.propertyName);
  return typeof name === 'string' && name.startsWith('tag.') ? name : null;
}

function describe(error) {
  const where = error.instancePath || '';
  const name = error.propertyName ? ` (property name ${JSON.stringify(error.propertyName)})` : '';
  return `${error.schemaPath}${where ? ' at ' + where : ''}${name}: ${error.message}`;
}

function check(validators, object) {
  const errors = [];
  const tagNames = new Set();
  for (const validate of validators) {
    if (validate(object)) continue;
    for (const error of validate.errors || []) {
      const tag = tagNameError(error);
      if (tag) tagNames.add(tag);
      else errors.push(describe(error));
    }
  }
  return { errors: [...new Set(errors)], tagNames: [...tagNames] };
}

function entityValidators(ajv, entity) {
  const byType = ajv.getSchema(`#${entity._type}`);
  if (byType) return [byType];
  const classes = Array.isArray(entity._class) ? entity._class : [entity._class];
  return classes.map((c) => {
    const validate = ajv.getSchema(`#${c}`);
    if (!validate) throw new Error(`Schema not found for class "${c}"`);
    return validate;
  });
}

function validateFile(file) {
  const graph = JSON.parse(fs.readFileSync(file, 'utf8'));
  const ajv = newAjv();
  ajv.addSchema(DIRECT_RELATIONSHIP);
  const relationshipValidator = ajv.getSchema(DIRECT_RELATIONSHIP.$id);
  const result = { entities: [], relationships: [], checked: { entities: 0, relationships: 0 } };
  for (const entity of graph.entities || []) {
    result.checked.entities += 1;
    let outcome;
    try {
      outcome = check(entityValidators(ajv, entity), entity);
    } catch (error) {
      outcome = { errors: [error.message], tagNames: [] };
    }
    if (outcome.errors.length || outcome.tagNames.length) {
      result.entities.push({ _key: entity._key, _type: entity._type, ...outcome });
    }
  }
  for (const relationship of graph.relationships || []) {
    result.checked.relationships += 1;
    const outcome = check([relationshipValidator], relationship);
    if (outcome.errors.length || outcome.tagNames.length) {
      result.relationships.push({ _key: relationship._key, _type: relationship._type, ...outcome });
    }
  }
  return result;
}

// {class: {property: nullable}}: what each class schema requires, its ancestors' requirements
// included, and whether the property's own schema lets it be null.
function requiredProperties() {
  const ajv = newAjv();
  const schemaOf = (ref) => ajv.getSchema(ref).schema;
  const allowsNull = (schema) =>
    !!schema &&
    ((Array.isArray(schema.type) ? schema.type.includes('null') : schema.type === 'null') ||
      [...(schema.oneOf || []), ...(schema.anyOf || [])].some(allowsNull));
  function collect(schema, required, properties) {
    for (const name of schema.required || []) required.add(name);
    Object.assign(properties, schema.properties || {});
    for (const part of schema.allOf || []) {
      if (part.$ref) {
        const inherited = { required: new Set(), properties: {} };
        collect(schemaOf(part.$ref), inherited.required, inherited.properties);
        inherited.required.forEach((n) => required.add(n));
        for (const [name, value] of Object.entries(inherited.properties)) {
          if (!(name in properties)) properties[name] = value;
        }
      } else {
        collect(part, required, properties);
      }
    }
  }
  const table = {};
  for (const className of dataModel.entityClasses) {
    const required = new Set();
    const properties = {};
    collect(schemaOf(`#${className}`), required, properties);
    table[className] = Object.fromEntries([...required].sort().map((n) => [n, allowsNull(properties[n])]));
  }
  return table;
}

const [command, file] = process.argv.slice(2);
if (command === 'validate' && file) {
  process.stdout.write(JSON.stringify(validateFile(file)));
} else if (command === 'required') {
  process.stdout.write(JSON.stringify(requiredProperties()));
} else {
  process.stderr.write('usage: validate.js validate FILE | validate.js required\n');
  process.exit(2);
}
