// The composable index template for the ECS format, installed with PUT _index_template (idempotent: the same
// body every time). Explicit types where dynamic mapping would guess wrong: addresses as ip, labels as
// flattened (any key, no mapping explosion), the payload as binary, every other string as keyword.

export function ecsIndexTemplate(index: string): { name: string; body: Record<string, unknown> } {
  const keyword = { type: 'keyword', ignore_above: 1024 };
  return {
    name: `${index}-template`,
    body: {
      index_patterns: [`${index}*`],
      priority: 200,
      _meta: { managed_by: 'kube-dpi' },
      template: {
        mappings: {
          dynamic_templates: [{ strings_as_keyword: { match_mapping_type: 'string', mapping: keyword } }],
          properties: {
            '@timestamp': { type: 'date' },
            event: { properties: { severity: { type: 'long' }, start: { type: 'date' }, end: { type: 'date' }, id: keyword } },
            rule: { properties: { name: { ...keyword, fields: { text: { type: 'text' } } } } },
            source: { properties: { ip: { type: 'ip' }, port: { type: 'long' } } },
            destination: { properties: { ip: { type: 'ip' }, port: { type: 'long' } } },
            kubernetes: { properties: { labels: { type: 'flattened' } } },
            dpi: {
              properties: {
                count: { type: 'long' },
                payload: { type: 'binary' },
                peer: { properties: { labels: { type: 'flattened' } } },
              },
            },
          },
        },
      },
    },
  };
}
