/**
 * The house's layer order (see docs/architecture.md): a folder imports from the floors
 * below it, never above, never a sibling of its floor, never in a circle.
 */
const SRC = '^packages/server/src/';

/** Floors of packages/server/src, top first; folders on one floor never import each other. */
const FLOORS = [
  ['((cli|main|app|index)\\.ts$|cli/)'],
  ['http/', 'gateway/', 'demo/'],
  ['(sign-in-)?services\\.ts$'],
  ['edge/'],
  ['sign-in/', 'privacy/', 'chat/'],
  ['agents/'],
  ['sessions/'],
  ['tenancy/'],
  ['tokens/', 'bus/', 'store/', 'mail/'],
  ['(clock|errors|ids|secrets|logger|metrics|config|html)\\.ts$'],
];

const path = (rooms) => rooms.map((room) => SRC + room);

const upward = FLOORS.flatMap((floor, index) =>
  index === 0
    ? []
    : [
        {
          name: `no-arrow-up-from-${floor.join('-').replace(/[^a-z-]/g, '') || 'kernel'}`,
          comment: 'A floor imports only the floors below it (docs/architecture.md).',
          severity: 'error',
          from: { path: path(floor) },
          to: { path: path(FLOORS.slice(0, index).flat()) },
        },
      ],
);

const sideways = FLOORS.filter((floor) => floor.length > 1).flatMap((floor) =>
  floor.map((room) => ({
    name: `no-sideways-from-${room.replace(/[^a-z-]/g, '')}`,
    comment: 'Folders on one floor never import each other; they meet through the bus or a floor below.',
    severity: 'error',
    from: { path: SRC + room },
    to: { path: path(floor.filter((other) => other !== room)) },
  })),
);

/** Each third-party library lives behind one folder. */
const onlyIn = (library, folder) => ({
  name: `only-${folder.replace(/\W/g, '')}-imports-${library.replace(/\W/g, '')}`,
  severity: 'error',
  from: { path: '^packages/server/src/', pathNot: `^packages/server/src/${folder}` },
  to: { path: `node_modules/${library}/` },
});

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    ...upward,
    ...sideways,
    onlyIn('jose', 'tokens/'),
    onlyIn('kysely', 'store/'),
    onlyIn('better-sqlite3', 'store/'),
    onlyIn('pg', 'store/'),
    onlyIn('ioredis', 'bus/'),
    {
      name: 'widget-uses-the-client-api-only',
      comment: 'The widget is built on the client SDK as any adopter would use it.',
      severity: 'error',
      from: { path: '^packages/widget/src/' },
      to: { path: '^packages/(client/src/|server/)' },
    },
    {
      name: 'react-uses-the-client-api-only',
      comment: 'The React bindings are built on the client SDK as any adopter would use it.',
      severity: 'error',
      from: { path: '^packages/react/src/' },
      to: { path: '^packages/(client/src/|server/|widget/)' },
    },
    {
      name: 'client-needs-no-server',
      severity: 'error',
      from: { path: '^packages/(client|protocol)/src/' },
      to: { path: '^packages/(server|widget)/' },
    },
    {
      name: 'protocol-depends-on-nothing',
      severity: 'error',
      from: { path: '^packages/protocol/src/' },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^packages/[^/]+/dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.depcruise.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
