// A small reader of prisma/schema.prisma, enough to compare it with a live database: models,
// scalar columns (name, type, nullability) and indexes. It understands the subset of the
// Prisma schema language this repository uses and fails loudly on anything else, so a new
// construct cannot slip past the drift test unread.
import fs from 'node:fs';
import path from 'node:path';

export interface SchemaColumn {
  column: string;
  /** PostgreSQL type as information_schema reports udt_name, e.g. text, int4, timestamptz. */
  udt: string;
  nullable: boolean;
}

export interface SchemaIndex {
  columns: string[];
  unique: boolean;
  /** A partial index's predicate as written in `where: raw("...")` (absent: a full index). */
  where?: string;
}

export interface SchemaTable {
  model: string;
  table: string;
  columns: SchemaColumn[];
  indexes: SchemaIndex[];
}

const SCALARS: Record<string, string> = {
  String: 'text',
  Int: 'int4',
  BigInt: 'int8',
  Boolean: 'bool',
  Bytes: 'bytea',
  DateTime: 'timestamp',
  Json: 'jsonb',
  Float: 'float8',
};

const NATIVE: Record<string, string> = {
  Timestamptz: 'timestamptz',
  Timestamp: 'timestamp',
  Text: 'text',
  Uuid: 'uuid',
};

export function readPrismaSchema(file = path.resolve(__dirname, '..', '..', 'prisma', 'schema.prisma')): SchemaTable[] {
  const source = fs.readFileSync(file, 'utf8').replace(/\/\/.*$/gm, '');
  const models = [...source.matchAll(/model\s+(\w+)\s*\{([^}]*)\}/g)];
  const modelNames = new Set(models.map((m) => m[1]));
  return models.map(([, model, body]) => {
    const columns: SchemaColumn[] = [];
    const indexes: SchemaIndex[] = [];
    const fieldToColumn = new Map<string, string>();
    let table = model;
    const lines = body
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    for (const line of lines) {
      if (line.startsWith('@@map(')) table = /@@map\("([^"]+)"\)/.exec(line)![1];
    }
    for (const line of lines.filter((l) => !l.startsWith('@@'))) {
      const m = /^(\w+)\s+(\w+)(\[\])?(\?)?\s*(.*)$/.exec(line);
      if (!m) throw new Error(`Unreadable line in model ${model}: ${line}`);
      const [, field, type, list, optional, attrs] = m;
      if (modelNames.has(type)) continue; // relation field, no column
      if (list && optional) throw new Error(`Optional scalar lists are not valid Prisma: ${model}.${field}`);
      const base = SCALARS[type];
      if (!base) throw new Error(`Unknown type ${type} in ${model}.${field}`);
      const native = /@db\.(\w+)/.exec(attrs)?.[1];
      if (native && !NATIVE[native]) throw new Error(`Unknown native type @db.${native} in ${model}.${field}`);
      if (list && native) throw new Error(`Native types on scalar lists are not handled: ${model}.${field}`);
      const column = /@map\("([^"]+)"\)/.exec(attrs)?.[1] ?? field;
      fieldToColumn.set(field, column);
      const udt = native ? NATIVE[native] : base;
      // A scalar list is a PostgreSQL array (udt_name `_<element>`); Prisma migrate creates it
      // without NOT NULL, so the column is nullable although the Prisma field is not optional.
      columns.push(list ? { column, udt: `_${udt}`, nullable: true } : { column, udt, nullable: Boolean(optional) });
      if (/@id\b/.test(attrs)) indexes.push({ columns: [column], unique: true });
      if (/@unique\b/.test(attrs)) indexes.push({ columns: [column], unique: true });
    }
    for (const line of lines.filter((l) => /^@@(unique|index|id)\(/.test(l))) {
      const [, kind, list, rest] = /^@@(unique|index|id)\(\[([^\]]+)\](.*)$/.exec(line)!;
      const cols = list.split(',').map((f) => fieldToColumn.get(f.trim()) ?? f.trim());
      const where = /\bwhere:\s*raw\("((?:[^"\\]|\\.)*)"\)/.exec(rest)?.[1];
      if (where === undefined && /\bwhere:/.test(rest)) throw new Error(`Unreadable where in model ${model}: ${line}`);
      indexes.push(
        where === undefined
          ? { columns: cols, unique: kind !== 'index' }
          : { columns: cols, unique: kind !== 'index', where },
      );
    }
    return { model, table, columns, indexes };
  });
}
