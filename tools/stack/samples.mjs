// Sample complaints for the demo, from several channels, in Chinese and English.
export const SAMPLE_COMPLAINTS = [
  {
    channel: 'mobile-app',
    channelReference: 'APP-7731902',
    complainant: { customerId: 'C000123', name: '王芳', phone: '13800138000' },
    description: '我于11月20日通过手机银行向他行跨行转账5000元，至今对方未到账，客服只说在处理中。',
    productHint: '跨行转账',
    amountInDispute: { amountMinor: 500000, currency: 'CNY' },
    preferredReplyChannel: 'sms',
    findings: { facts: ['转账因清算批处理异常滞留两天'], liability: 'bank', rootCause: { code: 'system', detail: '清算批处理异常未告警' } },
    resolution: {
      outcome: 'upheld',
      explanation: '经核查，该笔转账因清算系统批处理异常滞留，已于今日完成入账。',
      actions: ['correction', 'apology'],
      remedy: { type: 'delay-interest', amount: { amountMinor: 1250, currency: 'CNY' } },
    },
  },
  {
    channel: 'hotline',
    channelReference: 'CALL-20261123-0042',
    complainant: { name: 'Li Wei', phone: '+44 7700 900123', email: 'li.wei@example.com' },
    description: 'I was charged an annual fee on my credit card although the agent promised it would be waived for life.',
    productHint: 'credit card',
    amountInDispute: { amountMinor: 30000, currency: 'CNY' },
    preferredReplyChannel: 'email',
    findings: { facts: ['The sales call recording has the agent promising a lifetime waiver'], liability: 'bank', rootCause: { code: 'people', detail: 'The agent promised what the product does not offer' } },
    resolution: {
      outcome: 'upheld',
      explanation: 'The sales call recording confirms the waiver was promised; the fee is refunded.',
      actions: ['refund', 'apology', 'staff-coaching'],
      remedy: { type: 'fee-refund', amount: { amountMinor: 30000, currency: 'CNY' } },
    },
  },
  {
    channel: 'branch',
    channelReference: 'BR-0311-COUNTER-2',
    complainant: { customerId: 'C004567', name: '赵建国', idNumber: '11010519491231002X', postalAddress: '北京市东城区和平里东街11号\n3号楼2单元501室\n100013' },
    description: '老年客户在网点柜台办理业务时排队两个小时，柜员态度不耐烦。',
    preferredReplyChannel: 'letter',
    findings: { facts: ['当日仅开放两个窗口', '柜员服务用语不当'], liability: 'bank', rootCause: { code: 'process', detail: '排班未按客流调整' } },
    resolution: {
      outcome: 'partially-upheld',
      explanation: '网点当日窗口开放不足，已调整排班并对柜员进行服务培训，特此致歉。',
      actions: ['apology', 'correction', 'staff-coaching'],
    },
  },
  {
    channel: 'wechat',
    channelReference: 'wx-msg-88412390',
    complainant: { name: '陈晓', phone: '13912345678', channelUserId: 'oDemo_k3vT9xQ2bLmN8rW5yZ1aC4eF' },
    description: '客户经理推荐的理财产品风险等级与我的风险评估不符，亏损了本金。',
    productHint: '理财',
    amountInDispute: { amountMinor: 2000000, currency: 'CNY' },
    preferredReplyChannel: 'wechat',
    findings: { facts: ['双录视频显示风险揭示完整', '客户签署了风险确认书'], liability: 'customer', rootCause: { code: 'customer', detail: '客户对产品风险的理解有误' } },
    resolution: {
      outcome: 'not-upheld',
      explanation: '双录视频显示风险揭示完整，客户签署了风险确认书；我行将安排专人再次解释产品条款。',
      actions: ['explanation'],
    },
  },
];

// A burst: six customers within seconds whose cross-bank transfers are stuck because a partner
// bank's interface failed (seed 000, first case). Triage should raise one systemic incident.
export const BURST_COMPLAINTS = [
  { complainant: { customerId: 'C100201', name: '刘洋', phone: '13700001001' }, description: '今天上午通过手机银行跨行转账三千元，显示成功但对方一直没收到，客服说是合作银行接口故障。' },
  { complainant: { customerId: 'C100202', name: '孙丽', phone: '13700001002' }, description: '跨行转账到他行账户至今未到账，手机银行显示已扣款，客服称对方银行系统接口出问题。' },
  { complainant: { customerId: 'C100203', name: '周强', phone: '13700001003' }, description: '下午向其他银行转账两万元，手机银行显示成功但对方没收到，客服说合作银行接口故障正在处理。' },
  { complainant: { customerId: 'C100204', name: '吴敏', phone: '13700001004' }, description: '今天的跨行汇款一直未到账，客服说是对方银行接口故障，我的钱到底去哪了。' },
  { complainant: { customerId: 'C100205', name: '郑军', phone: '13700001005' }, description: '通过手机银行跨行转账给家人，显示处理中一直不到账，听说是对方银行接口坏了。' },
  { complainant: { customerId: 'C100206', name: '冯静', phone: '13700001006' }, description: '跨行转账没到账，客服说是对方银行的接口故障，已经等了半天，急用钱。' },
];
