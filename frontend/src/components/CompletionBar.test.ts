import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import CompletionBar from './CompletionBar.vue'
import { barPercent, STATUS_COLOR, statusColor, NO_STATUS_COLOR } from './progress'

describe('barPercent', () => {
  it('places fractions on the bar and clamps the ends', () => {
    expect(barPercent(0.735)).toBe('73.5%')
    expect(barPercent(0.75)).toBe('75%')
    expect(barPercent(2.3333)).toBe('100%')
    expect(barPercent(-0.2)).toBe('0%')
    expect(barPercent(null)).toBe('0%')
    expect(barPercent(0.12345)).toBe('12.35%')
  })
  it('colours by status', () => {
    expect(statusColor('behind')).toBe(STATUS_COLOR.behind)
    expect(statusColor('ahead')).toBe(STATUS_COLOR.ahead)
    expect(statusColor(null)).toBe(NO_STATUS_COLOR)
    expect(STATUS_COLOR.behind).not.toBe(STATUS_COLOR.ahead)
  })
})

describe('CompletionBar', () => {
  it('draws the technology contract card: 73.5% filled in red, marker at 75%, 滞后', () => {
    const wrapper = mount(CompletionBar, { props: { completion: 0.735, timeProgress: 0.75, status: 'behind' } })
    const fill = wrapper.get('[data-test="fill"]').element as HTMLElement
    const marker = wrapper.get('[data-test="marker"]').element as HTMLElement
    expect(fill.style.width).toBe('73.5%')
    expect(marker.style.left).toBe('75%')
    expect(fill.style.background.toLowerCase()).toContain(STATUS_COLOR.behind.toLowerCase())
    expect(wrapper.get('[data-test="status"]').text()).toBe('滞后')
    expect(wrapper.get('[data-test="completion"]').text()).toBe('完成 73.5%')
  })
  it('caps an over-achieved bar at the end and shows 超前 in green', () => {
    const wrapper = mount(CompletionBar, { props: { completion: 2.3333, timeProgress: 0.75, status: 'ahead' } })
    expect((wrapper.get('[data-test="fill"]').element as HTMLElement).style.width).toBe('100%')
    expect(wrapper.get('[data-test="status"]').text()).toBe('超前')
    expect(wrapper.get('[data-test="completion"]').text()).toBe('完成 233.3%')
  })
  it('has no marker without a time progress and no status chip without a status', () => {
    const wrapper = mount(CompletionBar, { props: { completion: null, timeProgress: null, status: null } })
    expect(wrapper.find('[data-test="marker"]').exists()).toBe(false)
    expect(wrapper.find('[data-test="status"]').exists()).toBe(false)
    expect((wrapper.get('[data-test="fill"]').element as HTMLElement).style.width).toBe('0%')
  })
})

