import { createRouter, createWebHistory } from 'vue-router'
import { SECURITY_PATH, homeFor, session, type Role } from './session'

declare module 'vue-router' {
  interface RouteMeta {
    roles?: Role[]
  }
}

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/', redirect: () => homeFor(session.user) },
    { path: '/login', component: () => import('./views/LoginView.vue') },
    {
      path: '/dashboard',
      component: () => import('./views/DashboardView.vue'),
      meta: { roles: ['admin', 'viewer', 'auditor'] },
    },
    {
      path: '/township/:regionCode?',
      component: () => import('./views/TownshipView.vue'),
      props: true,
      meta: { roles: ['admin', 'township', 'viewer', 'auditor'] },
    },
    {
      path: '/enterprise',
      component: () => import('./views/EnterpriseView.vue'),
      meta: { roles: ['admin', 'enterprise'] },
    },
    {
      path: '/finance',
      component: () => import('./views/FinanceView.vue'),
      meta: { roles: ['admin', 'viewer', 'auditor'] },
    },
    // Issue 17's screens, each its own chunk: the first page does not download them.
    {
      path: '/reporting',
      component: () => import('./views/ReportingView.vue'),
      meta: { roles: ['admin', 'auditor'] },
    },
    {
      path: '/periods',
      component: () => import('./views/PeriodsView.vue'),
      meta: { roles: ['admin', 'auditor'] },
    },
    {
      path: '/audit',
      component: () => import('./views/AuditView.vue'),
      meta: { roles: ['auditor'] },
    },
    {
      path: '/accounts',
      component: () => import('./views/AccountsView.vue'),
      meta: { roles: ['security_admin'] },
    },
    // Every signed-in account: its password and its second factor.
    { path: SECURITY_PATH, component: () => import('./views/SecurityView.vue') },
    {
      path: '/jobs',
      component: () => import('./views/JobsView.vue'),
      meta: { roles: ['admin'] },
    },
    // Issue 18's screens, each its own chunk as well.
    {
      path: '/supplier',
      component: () => import('./views/SupplierView.vue'),
      meta: { roles: ['supplier'] },
    },
    {
      path: '/demand-review',
      component: () => import('./views/DemandReviewView.vue'),
      meta: { roles: ['admin'] },
    },
    {
      path: '/prospects/:regionCode?',
      component: () => import('./views/ProspectsView.vue'),
      props: true,
      meta: { roles: ['admin', 'township'] },
    },
    {
      path: '/enterprise/policies',
      component: () => import('./views/PoliciesView.vue'),
      meta: { roles: ['admin', 'township', 'enterprise'] },
    },
    { path: '/:pathMatch(.*)*', redirect: '/' },
  ],
})

router.beforeEach((to) => {
  if (to.path === '/login') return true
  if (!session.token || !session.user) return { path: '/login', query: { next: to.fullPath } }
  // A password the security admin set (or an expired one) is changed before anything else.
  if (session.user.must_change_password) return to.path === SECURITY_PATH ? true : SECURITY_PATH
  if (to.path === SECURITY_PATH) return true
  // Screens follow the role; the services enforce the same rules on every call.
  if (to.meta.roles && !to.meta.roles.includes(session.user.role)) return homeFor(session.user)
  return true
})
