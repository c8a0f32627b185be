// Element Plus is not installed as a whole: vite.config.ts imports each component where it is used,
// and App.vue gives them the Chinese locale through <el-config-provider>.
import { createApp } from 'vue'
import './style.css'
import App from './App.vue'
import { router } from './router'

createApp(App).use(router).mount('#app')
