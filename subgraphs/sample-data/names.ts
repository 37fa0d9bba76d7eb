// Vocabularies for plausible 长沙 records. Weights are rough orders of magnitude, not statistics.

import { weighted, type Weighted } from './random.ts';

export interface District {
  readonly code: string;
  readonly name: string;
  /** Court code as used in case numbers, e.g. 湘0104. */
  readonly courtCode: string;
  readonly court: string;
  readonly roads: readonly string[];
}

export const CITY_AREA_CODE = '430100';
export const ADDRESS_PREFIX = '湖南省长沙市';

export const DISTRICTS: readonly District[] = [
  { code: '430102', name: '芙蓉区', courtCode: '湘0102', court: '长沙市芙蓉区人民法院',
    roads: ['五一大道', '八一路', '韶山北路', '蔡锷中路', '解放西路', '人民东路', '远大一路', '朝阳路', '车站北路', '东二环一段'] },
  { code: '430103', name: '天心区', courtCode: '湘0103', court: '长沙市天心区人民法院',
    roads: ['书院路', '劳动西路', '芙蓉南路', '湘府西路', '黄兴南路', '城南西路', '新姚路', '友谊路', '南湖路', '坡子街'] },
  { code: '430104', name: '岳麓区', courtCode: '湘0104', court: '长沙市岳麓区人民法院',
    roads: ['麓山南路', '麓谷大道', '枫林三路', '金星中路', '桐梓坡路', '岳麓大道', '潇湘中路', '银盆南路', '望岳路', '含浦大道'] },
  { code: '430105', name: '开福区', courtCode: '湘0105', court: '长沙市开福区人民法院',
    roads: ['湘江中路二段', '福城路', '芙蓉中路一段', '湘雅路', '三一大道', '中山路', '营盘东路', '开福寺路', '新河路', '北辰路'] },
  { code: '430111', name: '雨花区', courtCode: '湘0111', court: '长沙市雨花区人民法院',
    roads: ['韶山中路', '劳动东路', '万家丽中路', '曙光中路', '香樟路', '人民中路', '车站南路', '井湾路', '圭塘路', '湘府东路'] },
  { code: '430112', name: '望城区', courtCode: '湘0112', court: '长沙市望城区人民法院',
    roads: ['雷锋大道', '郭亮中路', '金星北路', '旺旺路', '普瑞大道', '马桥河路', '高塘岭路', '黄金路'] },
  { code: '430121', name: '长沙县', courtCode: '湘0121', court: '长沙县人民法院',
    roads: ['星沙大道', '开元东路', '东四线', '漓湘路', '板仓路', '黄兴大道', '螺丝塘路', '望仙路'] },
  { code: '430181', name: '浏阳市', courtCode: '湘0181', court: '浏阳市人民法院',
    roads: ['金沙路', '白沙路', '人民路', '劳动路', '北正路', '花炮大道', '道吾路', '沿河路'] },
  { code: '430182', name: '宁乡市', courtCode: '湘0182', court: '宁乡市人民法院',
    roads: ['花明路', '一环路', '玉潭中路', '白马大道', '新康路', '金洲大道', '春城路', '创业大道'] },
];

export function districtByCode(code: string): District | undefined {
  return DISTRICTS.find((d) => d.code === code);
}

// Roughly by national frequency, with Hunan's common 彭/谭/曾/龙/向 bumped up.
const SINGLE_SURNAMES: ReadonlyArray<readonly [string, number]> = [
  ['王', 70], ['李', 70], ['张', 65], ['刘', 75], ['陈', 60], ['杨', 35], ['黄', 30], ['赵', 25], ['吴', 25],
  ['周', 30], ['徐', 17], ['孙', 15], ['马', 12], ['朱', 13], ['胡', 15], ['郭', 12], ['何', 14], ['高', 11],
  ['林', 10], ['罗', 20], ['郑', 9], ['梁', 8], ['谢', 12], ['宋', 7], ['唐', 14], ['许', 6], ['韩', 6],
  ['冯', 6], ['邓', 13], ['曹', 6], ['彭', 18], ['曾', 15], ['肖', 12], ['田', 6], ['董', 5], ['袁', 6],
  ['潘', 5], ['蒋', 8], ['蔡', 5], ['余', 6], ['杜', 4], ['叶', 4], ['程', 4], ['苏', 4], ['魏', 4],
  ['吕', 4], ['丁', 4], ['任', 4], ['沈', 3], ['姚', 4], ['卢', 4], ['姜', 3], ['钟', 4], ['谭', 14],
  ['陆', 3], ['汪', 3], ['范', 3], ['石', 5], ['廖', 7], ['贺', 8], ['龙', 6], ['向', 6], ['易', 6],
  ['文', 5], ['颜', 3], ['邹', 6], ['熊', 5], ['戴', 4], ['龚', 3], ['毛', 3], ['雷', 3], ['侯', 2], ['符', 2],
];

const COMPOUND_SURNAMES: ReadonlyArray<readonly [string, number]> = [
  ['欧阳', 5], ['司马', 1], ['诸葛', 1], ['上官', 1], ['司徒', 1],
];

export const SURNAMES: Weighted<string> = weighted([...SINGLE_SURNAMES, ...COMPOUND_SURNAMES]);

export const MALE_GIVEN: readonly string[] = [
  '伟', '强', '磊', '军', '勇', '杰', '涛', '斌', '超', '明', '刚', '平', '辉', '鹏', '华', '飞', '鑫', '波',
  '宇', '浩', '凯', '健', '俊', '帆', '帅', '旭', '宁', '龙', '林', '洋', '阳', '建', '国', '志', '文', '博',
  '晨', '轩', '睿', '泽', '然', '诚', '天', '毅', '峰', '海', '亮', '松', '坤', '湘', '江', '德', '荣', '兵',
];

export const FEMALE_GIVEN: readonly string[] = [
  '芳', '娜', '敏', '静', '丽', '艳', '娟', '霞', '秀', '英', '慧', '玲', '婷', '雪', '琳', '颖', '倩', '萍',
  '红', '燕', '梅', '莉', '兰', '丹', '洁', '怡', '欣', '悦', '涵', '诗', '雨', '梓', '可', '萱', '琪', '思',
  '晓', '琴', '佳', '岚', '薇', '璐', '蓉', '湘', '瑶', '嘉', '彤', '晴', '桂', '凤', '春', '娇',
];

// 湖南 has large 土家族, 苗族, 侗族 and 瑶族 populations; 长沙 itself is overwhelmingly 汉族.
export const ETHNICITIES: Weighted<string> = weighted([
  ['汉族', 9200], ['土家族', 250], ['苗族', 200], ['侗族', 90], ['瑶族', 80], ['回族', 50], ['壮族', 30],
  ['白族', 25], ['满族', 20], ['蒙古族', 15], ['维吾尔族', 10], ['彝族', 10], ['布依族', 5], ['朝鲜族', 5],
  ['藏族', 5], ['畲族', 5],
]);

export const MOBILE_PREFIXES: readonly string[] = [
  '130', '131', '132', '133', '134', '135', '136', '137', '138', '139',
  '150', '151', '152', '153', '155', '156', '157', '158', '159',
  '173', '175', '176', '177', '178', '180', '181', '182', '183', '184', '185', '186', '187', '188', '189',
  '191', '193', '195', '198', '199',
];

export const SECURITY_NOTES: Weighted<string> = weighted([
  ['无', 9900], ['重点关注', 70], ['社区矫正', 30],
]);

/** Trade-name words for enterprise names (字号). */
export const TRADE_WORDS: readonly string[] = [
  '星城', '湘江', '麓山', '橘洲', '芙蓉', '潇湘', '三湘', '楚天', '湘雅', '梅溪', '洋湖', '金霞', '坪塘',
  '华创', '中联', '盛世', '恒信', '宏达', '鑫源', '瑞丰', '华泰', '汇智', '博远', '诚信', '锦程', '启航',
  '蓝海', '新航', '卓越', '方圆', '嘉禾', '和美', '天成', '同创', '鼎盛', '长信', '明德', '致远', '金石',
  '云帆', '青竹', '银杉', '凌云', '振兴', '立信', '沃土', '众合', '普惠', '弘毅', '南岳',
];

export interface Industry {
  /** The part of the name between 字号 and the company form, e.g. 数据科技. */
  readonly nameWord: string;
  readonly scope: string;
  /** Whether the trade sells or serves food; such firms usually hold a food operation license. */
  readonly food: boolean;
}

export const INDUSTRIES: Weighted<Industry> = weighted<Industry>([
  [{ nameWord: '数据科技', scope: '软件开发；信息技术咨询服务；数据处理和存储支持服务', food: false }, 8],
  [{ nameWord: '信息技术', scope: '信息系统集成服务；软件开发；计算机软硬件销售', food: false }, 8],
  [{ nameWord: '建材贸易', scope: '建材销售；五金产品零售', food: false }, 6],
  [{ nameWord: '建筑工程', scope: '房屋建筑和市政基础设施项目工程总承包；建筑劳务分包', food: false }, 6],
  [{ nameWord: '商贸', scope: '日用百货销售；服装鞋帽零售；家用电器销售', food: false }, 10],
  [{ nameWord: '物流', scope: '普通货物仓储服务；道路货物运输；国内货物运输代理', food: false }, 5],
  [{ nameWord: '文化传媒', scope: '广告设计、代理；组织文化艺术交流活动；会议及展览服务', food: false }, 6],
  [{ nameWord: '教育咨询', scope: '教育咨询服务；中小学生校外托管服务', food: false }, 4],
  [{ nameWord: '医药', scope: '药品零售；医疗器械经营；保健食品销售', food: true }, 4],
  [{ nameWord: '农业发展', scope: '蔬菜种植；水果种植；农产品的生产、销售、加工、运输、贮藏', food: true }, 4],
  [{ nameWord: '餐饮管理', scope: '餐饮服务；餐饮管理；食品销售', food: true }, 8],
  [{ nameWord: '食品', scope: '食品生产；食品销售；预包装食品销售', food: true }, 5],
  [{ nameWord: '环保科技', scope: '环保咨询服务；固体废物治理；水污染治理', food: false }, 3],
  [{ nameWord: '机械设备', scope: '机械设备研发；通用设备制造；机械设备销售', food: false }, 5],
  [{ nameWord: '汽车服务', scope: '机动车修理和维护；汽车零配件零售；二手车经纪', food: false }, 4],
  [{ nameWord: '物业管理', scope: '物业管理；停车场服务；家政服务', food: false }, 4],
  [{ nameWord: '电子商务', scope: '互联网销售；供应链管理服务；食品互联网销售', food: true }, 5],
  [{ nameWord: '房地产开发', scope: '房地产开发经营；房地产经纪', food: false }, 3],
]);

/** 事业单位 names: 长沙市<district><topic>. */
export const PUBLIC_INSTITUTION_TOPICS: ReadonlyArray<readonly [string, string]> = [
  ['社会福利服务中心', '社会福利服务'],
  ['疾病预防控制中心', '疾病预防控制；卫生检验检测'],
  ['政务服务中心', '政务服务事项受理与协调'],
  ['图书馆', '图书文献借阅；公共文化服务'],
  ['公共就业服务中心', '就业登记；职业介绍；职业培训'],
  ['不动产登记中心', '不动产登记；登记资料查询'],
  ['城市管理服务中心', '市容环境卫生管理服务'],
  ['人民医院', '医疗与护理；医学教学与科研'],
  ['第一中学', '高中学历教育'],
  ['档案馆', '档案收集、整理、保管与利用'],
];

export const PRACTICE_CERTIFICATES: ReadonlyArray<{ readonly digit: string; readonly title: string; readonly issuer: string }> = [
  { digit: '1', title: '医师执业证书', issuer: '湖南省卫生健康委员会' },
  { digit: '2', title: '护士执业证书', issuer: '湖南省卫生健康委员会' },
  { digit: '3', title: '律师执业证', issuer: '湖南省司法厅' },
  { digit: '4', title: '执业药师注册证', issuer: '湖南省药品监督管理局' },
];

export const DEBT_OBLIGATIONS: readonly string[] = [
  '支付货款人民币{n}万元',
  '偿还借款本金人民币{n}万元及利息',
  '支付工程款人民币{n}万元',
  '支付劳动报酬人民币{n}万元',
  '支付租金人民币{n}万元',
];
