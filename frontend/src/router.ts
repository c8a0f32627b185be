import { createRouter, createWebHistory } from 'vue-router'
import { homeFor, session, type Role } from './session'

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
      meta: { roles: ['admin', 'viewer'] },
    },
    {
      path: '/township/:regionCode?',
      component: () => import('./views/TownshipView.vue'),
      props: true,
      meta: { roles: ['admin', 'township', 'viewer'] },
    },
    {
      path: '/enterprise',
      component: () => import('./views/EnterpriseView.vue'),
      meta: { roles: ['admin', 'enterprise'] },
    },
    {
      path: '/finance',
      component: () => import('./views/FinanceView.vue'),
      meta: { roles: ['admin', 'viewer'] },
    },
    {
      path: '/jobs',
      component: () => import('./views/JobsView.vue'),
      meta: { roles: ['admin'] },
    },
    { path: '/:pathMatch(.*)*', redirect: '/' },
  ],
})

router.beforeEach((to) => {
  if (to.path === '/login') return true
  if (!session.token || !session.user) return { path: '/login', query: { next: to.fullPath } }
  // Screens follow the role; the services enforce the same rules on every call.
  if (to.meta.roles && !to.meta.roles.includes(session.user.role)) return homeFor(session.user)
  return true
})
