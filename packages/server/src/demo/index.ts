export { demoRoutes, type DemoRoutesOptions } from './demo-routes.js';
export { prepareDemo, DEMO_ISSUER, type DemoSetup } from './demo-setup.js';
export { startPartnerSite, DEMO_PARTNER_NAME, type PartnerSite, type PartnerSiteOptions } from './partner-site.js';
export { DEMO_USERS } from './demo-users.js';
