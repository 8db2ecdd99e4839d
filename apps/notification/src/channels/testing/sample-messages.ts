import { OutboundMessage } from '../delivery-channel';

export const SAMPLE_TICKET = 'CMP-2026-000123';
/** The review deadline as the zh-CN final response writes it. */
export const SAMPLE_REVIEW_DATE = '2027年1月19日';

/** A Chinese final response with its mandatory elements: ticket, outcome, remedy, review (核查) by a date, escalation to 12378. */
export const ZH_FINAL_RESPONSE_BODY = [
  '尊敬的张秀英女士：',
  `关于您的投诉（受理编号 ${SAMPLE_TICKET}），经调查，投诉部分成立。我行在为您办理信用卡账单分期时，未在签约前充分告知分期手续费的计算方式，该环节不符合我行的信息披露要求；分期本金的计算无误。我行已对相关员工进行培训，并更新了分期业务的告知流程。 我行将向您支付 ¥1,280.00，款项将于七个工作日内退回您的信用卡账户。`,
  `如对处理结果有异议，您可在 ${SAMPLE_REVIEW_DATE} 前向我行申请核查，也可向以下机构反映：国家金融监督管理总局消费者投诉热线（12378）；中国银行业协会（010-66291199），收到本答复之日起三十日内。`,
  '感谢您对我行工作的理解与支持。',
].join('\n\n');

export function zhFinalResponse(overrides: Partial<OutboundMessage> = {}): OutboundMessage {
  return {
    messageId: '5f1c2f9e-8d4b-4c52-9a8e-1f5f0b7f2a61',
    complaintId: '0b8f3c2a-6c1e-4d7e-8f5a-2a9d4e6b7c10',
    ticketNumber: SAMPLE_TICKET,
    kind: 'final-response',
    language: 'zh-CN',
    subject: `关于您投诉（${SAMPLE_TICKET}）的最终答复`,
    body: ZH_FINAL_RESPONSE_BODY,
    to: {
      name: '张秀英',
      email: 'zhang.xiuying@example.cn',
      phone: '+8613800138000',
      appUserId: 'app-user-42',
      wechatOpenId: 'oAbCdEfGhIjKlMnOpQrStUvWxYz0',
      postalAddress: '上海市浦东新区世纪大道100号\n环球金融中心 25 楼\n200120',
    },
    ...overrides,
  };
}

export function enAcknowledgement(overrides: Partial<OutboundMessage> = {}): OutboundMessage {
  return {
    ...zhFinalResponse(),
    messageId: '7d3e1b2a-4c5f-4a6b-8c9d-0e1f2a3b4c5d',
    kind: 'acknowledgement',
    language: 'en',
    subject: `We have received your complaint ${SAMPLE_TICKET}`,
    body: `Dear customer, we have received your complaint, reference ${SAMPLE_TICKET}. We will give you our final response by 19 December 2026.`,
    ...overrides,
  };
}
